import { Module, type DynamicModule } from '@nestjs/common';
import { RedisConnections } from '../common/redis/redis-connections.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ServersModule } from '../servers/servers.module.js';
import { AnalyticsController } from './analytics.controller.js';
import {
  ANALYTICS_OPTIONS,
  ConfigurableAnalyticsModule,
  type AnalyticsModuleOptions,
} from './analytics.options.js';
import { AnalyticsService } from './analytics.service.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { StateGauges } from './metrics/state-gauges.js';
import { UsageStore } from './store/usage-store.js';
import { makeUsageStore } from './usage-store.factory.js';
import { UsageRecorder } from './usage-recorder.js';

/**
 * Usage analytics (GET /analytics) and Prometheus metrics (GET /metrics). Global: the doors
 * inject UsageRecorder without importing this module. `fromConfig()` in the app; tests may
 * use `forRoot({ store: 'memory' })`.
 */
@Module({
  imports: [ServersModule],
  controllers: [AnalyticsController, MetricsController],
  providers: [
    {
      provide: UsageStore,
      useFactory: makeUsageStore,
      inject: [ANALYTICS_OPTIONS, RedisConnections],
    },
    GatewayMetrics,
    StateGauges,
    UsageRecorder,
    AnalyticsService,
  ],
  exports: [UsageRecorder, GatewayMetrics],
})
export class AnalyticsModule extends ConfigurableAnalyticsModule {
  /** Redis when configured (figures cover every replica), else memory. */
  static fromConfig(): DynamicModule {
    return AnalyticsModule.forRootAsync({
      useFactory: (config: GatewayConfig): AnalyticsModuleOptions => ({
        store: config.redis ? 'redis' : 'memory',
        storeQueries: storeQueriesOf(config),
      }),
      inject: [GatewayConfig],
    });
  }
}

/**
 * ANALYTICS_STORE_QUERIES, read as `config.analytics.storeQueries` once GatewayConfig has it
 * (owned by config/); until then, off.
 */
function storeQueriesOf(config: GatewayConfig): boolean {
  const settings = (config as unknown as { analytics?: { storeQueries?: unknown } }).analytics;
  return settings?.storeQueries === true;
}
