import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Caps on distinct keys: past them, new keys count as "(other)". They bound memory. */
export interface AnalyticsLimits {
  tools: number;
  servers: number;
  sessions: number;
  errorCodes: number;
  strategies: number;
  /** Distinct (server, tool) label pairs on the Prometheus call metrics. */
  metricToolSeries: number;
  /** Distinct server labels on the Prometheus call metrics once the pairs are full. */
  metricServers: number;
}

export const DEFAULT_LIMITS: AnalyticsLimits = {
  tools: 200,
  servers: 50,
  sessions: 200,
  errorCodes: 32,
  strategies: 16,
  metricToolSeries: 250,
  metricServers: 50,
};

export interface AnalyticsModuleOptions {
  /** `redis`: aggregates shared by every replica (needs Redis configured); `memory`: this process. */
  store: 'memory' | 'redis';
  /** Keep search query text (ANALYTICS_STORE_QUERIES); off by default, queries may be private. */
  storeQueries?: boolean;
  limits?: Partial<AnalyticsLimits>;
  /** The clock; tests move it. */
  now?: () => number;
}

export const {
  ConfigurableModuleClass: ConfigurableAnalyticsModule,
  MODULE_OPTIONS_TOKEN: ANALYTICS_OPTIONS,
} = new ConfigurableModuleBuilder<AnalyticsModuleOptions>()
  .setClassMethodName('forRoot')
  // Global, so ToolsService, search and the queue can inject UsageRecorder without importing
  // this module (which imports ServersModule): no module cycles.
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
