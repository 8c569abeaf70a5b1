import type { RedisConnections } from '../common/redis/redis-connections.js';
import type { AnalyticsModuleOptions } from './analytics.options.js';
import { MemoryUsageStore } from './store/memory.usage-store.js';
import { RedisUsageStore } from './store/redis.usage-store.js';
import type { UsageStore } from './store/usage-store.js';

/** Chosen when the module is built, from validated options; never at import time. */
export function makeUsageStore(
  options: AnalyticsModuleOptions,
  redis: RedisConnections,
): UsageStore {
  const type: unknown = options.store;
  switch (type) {
    case 'redis': {
      const connection = redis.get();
      if (!connection) {
        throw new Error('Analytics store "redis" needs Redis: set REDIS_URL or REDIS_HOST');
      }
      return new RedisUsageStore(connection, (...parts) => redis.key(...parts));
    }
    case 'memory':
      return new MemoryUsageStore();
    default:
      throw new Error(
        `Unknown analytics store ${JSON.stringify(type)} (expected "redis" or "memory")`,
      );
  }
}
