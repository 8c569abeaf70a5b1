import { RequireScopes } from '../auth/auth.decorators.js';
import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { abortOnDisconnect } from '../common/http/abort-on-disconnect.js';
import { ApiScoped } from '../common/http/api-scope.decorator.js';
import { ApiToolCallErrors } from './api-tool-call-errors.decorator.js';
import { SessionId } from '../common/http/session-id.decorator.js';
import { AddServersResponseDto, LegacyAddServerDto } from '../servers/dto/servers.dto.js';
import { ServersService } from '../servers/servers.service.js';
import { ExecuteResponseDto, LegacyToolCallDto } from './dto/execute.dto.js';
import { ToolListDto } from './dto/tool.dto.js';
import { ToolsService, type ExecuteResult } from './tools.service.js';
import { ApiAddServerErrors } from '../servers/api-add-server-errors.decorator.js';

/** The original gateway's quick-start routes, kept so its users' scripts keep working. */
@ApiTags('compatibility')
@ApiScoped()
@Controller()
export class CompatController {
  constructor(
    private readonly tools: ToolsService,
    private readonly servers: ServersService,
  ) {}

  @Get('tools')
  @RequireScopes('tools:read')
  @ApiOperation({ operationId: 'legacyListTools', summary: 'Alias of GET /mcp/tools' })
  @ApiOkResponse({ description: 'The catalog, as GET /mcp/tools', type: ToolListDto })
  async list(@SessionId() sessionId?: string): Promise<ToolListDto> {
    const tools = await this.tools.list(sessionId);
    return { tools, count: tools.length };
  }

  @Post('tool')
  @RequireScopes('tools:call')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'legacyCallTool',
    summary: 'Alias of POST /mcp/execute with {"name", "arguments"}',
  })
  @ApiOkResponse({
    description: 'The tool ran, as POST /mcp/execute; failure it reports is result.isError',
    type: ExecuteResponseDto,
  })
  @ApiToolCallErrors()
  call(
    @Body() body: LegacyToolCallDto,
    @Res({ passthrough: true }) res: Response,
    @SessionId() sessionId?: string,
  ): Promise<ExecuteResult> {
    return this.tools.execute(
      { toolName: body.name, args: body.arguments, signal: abortOnDisconnect(res) },
      sessionId,
    );
  }

  @Post('add-server')
  @RequireScopes('servers:admin')
  @ApiOperation({
    operationId: 'legacyAddServer',
    summary: 'Alias of POST /mcp/servers/add with the config object as body',
  })
  @ApiCreatedResponse({
    description: 'Each server added or failed, as POST /mcp/servers/add',
    type: AddServersResponseDto,
  })
  @ApiAddServerErrors()
  addServer(
    @Body() body: LegacyAddServerDto,
    @SessionId() sessionId?: string,
  ): Promise<AddServersResponseDto> {
    return this.servers.add({ mcpServers: body.mcpServers }, sessionId);
  }
}
