import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ServersModule } from '../servers/servers.module.js';
import { ToolsModule } from '../tools/tools.module.js';
import { DrainService } from './drain.service.js';
import { HealthController } from './health.controller.js';
import { RedisLiveness } from './redis-liveness.js';
import { ServersHealthIndicator } from './servers.health-indicator.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ServersModule, ToolsModule],
  controllers: [HealthController],
  providers: [ServersHealthIndicator, DrainService, RedisLiveness],
  exports: [DrainService, RedisLiveness],
})
export class HealthModule {}
