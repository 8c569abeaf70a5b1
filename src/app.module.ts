import { Module } from '@nestjs/common';
import { ConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { ServersModule } from './servers/servers.module.js';
import { ToolsModule } from './tools/tools.module.js';

/** Composition root only. */
@Module({
  imports: [ConfigModule, ServersModule, ToolsModule, HealthModule],
})
export class AppModule {}
