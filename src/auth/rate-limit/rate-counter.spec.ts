import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { MemoryRateCounter, RedisRateCounter, type RateCounter } from './rate-counter.js';

const clients: Redis[] = [];

async function redisCounter(): Promise<RateCounter> {
  const redis = new Redis(await testRedisUrl());
  clients.push(redis);
  return new RedisRateCounter(redis, uniquePrefix('ratelimit'));
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

describe.each([
  ['in memory', () => Promise.resolve<RateCounter>(new MemoryRateCounter())],
  ['in the real Redis', redisCounter],
])('RateCounter %s', (_name, make) => {
  it('counts a hit of several (a batch) at once, and starts the window on the first', async () => {
    const counter = await make();
    const first = await counter.hit('k', 60_000, 5);
    expect(first.count).toBe(5);
    expect(first.resetMs).toBeGreaterThan(59_000);
    expect((await counter.hit('k', 60_000)).count).toBe(6);
    expect((await counter.hit('other', 60_000)).count).toBe(1);
  });
});
