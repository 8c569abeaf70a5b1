import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RedisConnections } from '../../common/redis/redis-connections.js';
import { MemoryRateCounter, RateCounter, RedisRateCounter } from './rate-counter.js';
import { RateLimitGuard } from './rate-limit.guard.js';

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
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class RateLimitModule {}
