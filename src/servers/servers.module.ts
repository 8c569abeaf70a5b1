import { Module } from '@nestjs/common';
import { McpModule } from '../mcp/mcp.module.js';
import { ScopeRegistries } from './scope-registries.js';
import { ServersController } from './servers.controller.js';
import { ServersService } from './servers.service.js';

@Module({
  imports: [McpModule],
  controllers: [ServersController],
  providers: [ScopeRegistries, ServersService],
  exports: [ScopeRegistries, ServersService],
})
export class ServersModule {}
