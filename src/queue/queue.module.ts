import { Module, type DynamicModule } from '@nestjs/common';
import { QueueStats } from '../analytics/queue-stats.js';
import { RedisConnections } from '../common/redis/redis-connections.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { RoutingModule } from '../routing/routing.module.js';
import { ServersModule } from '../servers/servers.module.js';
import { ToolsModule } from '../tools/tools.module.js';
import { makeQueueDriver } from './queue-driver.factory.js';
import { QueueDriver } from './queue-driver.js';
import { QueueController } from './queue.controller.js';
import {
  ConfigurableQueueModule,
  QUEUE_MODULE_OPTIONS,
  type QueueModuleOptions,
} from './queue.module-definition.js';
import { QueueService } from './queue.service.js';
import { QueueTransport } from './queue.transport.js';

/**
 * The queue door. QueueTransport is the Nest custom transport that createGatewayApp connects
 * as a microservice; QueueDriver is the swappable port beneath it.
 */
@Module({
  imports: [ToolsModule, ServersModule, RoutingModule],
  controllers: [QueueController],
  providers: [
    {
      provide: QueueDriver,
      useFactory: makeQueueDriver,
      inject: [QUEUE_MODULE_OPTIONS, RedisConnections, GatewayConfig],
    },
    QueueTransport,
    // The metrics gauges read the queue through the analytics feature's port.
    {
      provide: QueueStats,
      inject: [QueueService],
      useFactory: (queue: QueueService): QueueStats => ({
        stats: async () => {
          const s = await queue.stats();
          return { pending: s.pending + s.waiting, dead: s.deadLetters };
        },
      }),
    },
    QueueService,
  ],
  exports: [QueueDriver, QueueService, QueueTransport, QueueStats],
})
export class QueueModule extends ConfigurableQueueModule {
  /** Redis Streams when Redis is configured, else the in-process queue. */
  static fromConfig(): DynamicModule {
    return QueueModule.forRootAsync({
      useFactory: (config: GatewayConfig): QueueModuleOptions => ({
        type: config.redis ? 'redis' : 'memory',
      }),
      inject: [GatewayConfig],
    });
  }
}
