import { describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { MemoryRateCounter, RateCounter, type WindowCount } from './rate-counter.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimits } from './rate-limits.js';

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
  const limits = new RateLimits(counter);
  return new RateLimitGuard(limits, new Reflector(), config as unknown as GatewayConfig);
}

function httpContext(body: unknown = {}): ExecutionContextHost {
  const req = { header: () => undefined, ip: '10.0.0.1', path: '/mcp', body };
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

describe('RateLimitGuard on a JSON-RPC batch', () => {
  it('counts each message as a request: a batch cannot multiply the limit (10 a minute here)', async () => {
    const guard = guardWith(new MemoryRateCounter());
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    await expect(guard.canActivate(httpContext(Array(9).fill(ping)))).resolves.toBe(true);
    await expect(guard.canActivate(httpContext(Array(2).fill(ping)))).rejects.toThrow(
      'Rate limit reached: 10 requests per minute',
    );
  });
});
