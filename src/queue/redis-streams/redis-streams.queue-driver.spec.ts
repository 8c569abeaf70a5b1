import { describe, expect, it } from '@jest/globals';
import type { RedisConnections } from '../../common/redis/redis-connections.js';
import type { QueueSettings } from '../../config/gateway-config.js';
import { RedisStreamsQueueDriver } from './redis-streams.queue-driver.js';

/** The driver over connections that are never used: only its settings are read here. */
function driver(keyPrefix: string, requestStream: string): RedisStreamsQueueDriver {
  const redis = { settings: { keyPrefix }, get: () => ({}), key: (...p: string[]) => p.join(':') };
  const settings = { requestStream, responseStream: 'r', concurrency: 1 } as QueueSettings;
  return new RedisStreamsQueueDriver(redis as unknown as RedisConnections, settings);
}

describe('RedisStreamsQueueDriver, on a Redis other deployments share', () => {
  it('says when a gateway with a namespace of its own still reads the default request stream', () => {
    expect(driver('staging:', 'mcp_requests').sharesDefaultStream).toBe(true);
    expect(driver('staging:', 'staging_requests').sharesDefaultStream).toBe(false);
    expect(driver('mcpgw:', 'mcp_requests').sharesDefaultStream).toBe(false);
  });
});
