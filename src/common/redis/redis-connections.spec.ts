import { describe, expect, it } from '@jest/globals';
import { testRedisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { validateEnv } from '../../config/env.schema.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import { RedisConnections } from './redis-connections.js';

/** Timers that keep this process alive (unref'd ones are not listed). */
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function connections(): Promise<RedisConnections> {
  const env = validateEnv({
    REDIS_URL: await testRedisUrl(),
    REDIS_KEY_PREFIX: uniquePrefix('rc'),
  });
  const redis = new RedisConnections(new GatewayConfig(env));
  await redis.onModuleInit();
  return redis;
}

describe('RedisConnections at shutdown against the real Redis', () => {
  it('leaves no timer holding the process open, a connection closed earlier included', async () => {
    const redis = await connections();
    const shared = redis.get()!;
    const reader = redis.get('queue:reader')!;
    await new Promise((resolve) => reader.once('ready', resolve));
    // What the queue does first on stop: its blocked reader is dropped to end the read.
    reader.disconnect();
    await new Promise((resolve) => reader.once('end', resolve));
    const before = liveTimers();

    await redis.onApplicationShutdown();

    // A second disconnect() of the ended reader armed ioredis's 2 s timer for a socket already
    // closed, so a gateway (or a jest worker) stayed up that long after everything was done.
    expect(liveTimers()).toBe(before);
    // The request connection said QUIT, and Redis closes it.
    if (shared.status !== 'end') await new Promise((resolve) => shared.once('end', resolve));
  });
});
