import { Module } from '@nestjs/common';
import { ServersModule } from '../servers/servers.module.js';
import { ArgumentValidator } from './argument-validator.js';
import { CompatController } from './compat.controller.js';
import { ToolsController } from './tools.controller.js';
import { ToolAdmission } from './pinning/tool-admission.js';
import { ToolPins } from './pinning/tool-pins.service.js';
import { ServerCallSlots } from './server-call-slots.js';
import { ToolsService } from './tools.service.js';

@Module({
  imports: [ServersModule],
  controllers: [ToolsController, CompatController],
  providers: [ToolsService, ArgumentValidator, ToolPins, ToolAdmission, ServerCallSlots],
  exports: [ToolsService],
})
export class ToolsModule {}
