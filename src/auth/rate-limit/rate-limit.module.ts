import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RedisConnections } from '../../common/redis/redis-connections.js';
import { MemoryRateCounter, RateCounter, RedisRateCounter } from './rate-counter.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimits } from './rate-limits.js';
import { ToolRateLimit } from './tool-rate-limit.js';

/** Redis when configured, so a limit holds across replicas; else this process's memory. */
function makeCounter(redis: RedisConnections): RateCounter {
  const connection = redis.get();
  return connection
    ? new RedisRateCounter(connection, redis.key('ratelimit', ''))
    : new MemoryRateCounter();
}

@Module({
  providers: [
    { provide: RateCounter, inject: [RedisConnections], useFactory: makeCounter },
    RateLimits,
    ToolRateLimit,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  // The tools service charges each call it dispatches (ToolRateLimit).
  exports: [ToolRateLimit],
})
export class RateLimitModule {}
