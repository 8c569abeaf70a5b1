import type { RedisConnections } from '../common/redis/redis-connections.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { InProcessQueueDriver } from './in-process/in-process.queue-driver.js';
import type { QueueDriver } from './queue-driver.js';
import type { QueueModuleOptions } from './queue.module-definition.js';
import { RedisStreamsQueueDriver } from './redis-streams/redis-streams.queue-driver.js';

/** Chosen when the module is built, from validated options; never at import time. */
export function makeQueueDriver(
  options: QueueModuleOptions,
  redis: RedisConnections,
  config: GatewayConfig,
): QueueDriver {
  const type: unknown = options.type;
  switch (type) {
    case 'redis':
      if (!redis.enabled) {
        throw new Error('Queue type "redis" needs Redis: set REDIS_URL or REDIS_HOST');
      }
      return new RedisStreamsQueueDriver(redis, config.queue);
    case 'memory':
      return new InProcessQueueDriver(config.queue);
    default:
      throw new Error(`Unknown queue type ${JSON.stringify(type)} (expected "redis" or "memory")`);
  }
}
