import { Module, type DynamicModule } from '@nestjs/common';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AuthModule } from './auth/auth.module.js';
import { RedisModule } from './common/redis/redis.module.js';
import { ConfigModule, type ConfigOptions } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { McpServerModule } from './mcp/server/mcp-server.module.js';
import { QueueModule } from './queue/queue.module.js';
import { RoutingModule } from './routing/routing.module.js';
import { ServersModule } from './servers/servers.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { ToolsModule } from './tools/tools.module.js';

/** Composition root only. */
@Module({})
export class AppModule {
  static register(options: ConfigOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(options),
        RedisModule,
        AuthModule,
        // Express tries routes in registration order, which follows this list: the per-call
        // doors (MCP, then REST execute) and the probes first, the admin routes after.
        McpServerModule,
        ToolsModule,
        HealthModule,
        AnalyticsModule.fromConfig(),
        ServersModule,
        RoutingModule,
        SessionsModule,
        QueueModule.fromConfig(),
      ],
    };
  }
}
