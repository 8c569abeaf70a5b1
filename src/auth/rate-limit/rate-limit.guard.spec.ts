import { describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { RateCounter, type WindowCount } from './rate-counter.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/** A counter whose store fails with the given error. */
class FailingCounter extends RateCounter {
  constructor(private readonly error: Error) {
    super();
  }
  hit(): Promise<WindowCount> {
    return Promise.reject(this.error);
  }
}

function guardWith(counter: RateCounter): RateLimitGuard {
  const config = { security: { rateLimitPerMinute: 10, rateLimitToolPerMinute: 0 } };
  return new RateLimitGuard(counter, new Reflector(), config as unknown as GatewayConfig);
}

function httpContext(): ExecutionContextHost {
  const req = { header: () => undefined, ip: '10.0.0.1', path: '/mcp/tools', body: {} };
  const res = { setHeader: () => undefined };
  const handler = () => undefined;
  const context = new ExecutionContextHost([req, res], class Controller {}, handler);
  context.setType('http');
  return context;
}

describe('RateLimitGuard when its store fails', () => {
  it('lets requests through while Redis is unreachable or slow (fail open)', async () => {
    for (const message of ['Connection is closed.', 'Command timed out']) {
      const guard = guardWith(new FailingCounter(new Error(message)));
      await expect(guard.canActivate(httpContext())).resolves.toBe(true);
    }
  });

  it('does not switch the limits off for a failure that is not an outage', async () => {
    const wrongType = new Error('WRONGTYPE Operation against a key holding the wrong kind');
    const guard = guardWith(new FailingCounter(wrongType));
    await expect(guard.canActivate(httpContext())).rejects.toThrow('WRONGTYPE');
  });
});
