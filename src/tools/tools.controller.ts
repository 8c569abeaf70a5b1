import { RequireScopes } from '../auth/auth.decorators.js';
import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { abortOnDisconnect } from '../common/http/abort-on-disconnect.js';
import { ApiScoped } from '../common/http/api-scope.decorator.js';
import { ErrorDto } from '../common/http/error.dto.js';
import { ApiToolCallErrors } from './api-tool-call-errors.decorator.js';
import { SessionId } from '../common/http/session-id.decorator.js';
import { ExecuteRequestDto, ExecuteResponseDto } from './dto/execute.dto.js';
import {
  ApprovedToolDto,
  ApproveToolRequestDto,
  QuarantinedToolListDto,
  ToolListDto,
} from './dto/tool.dto.js';
import { ToolsService, type ExecuteResult } from './tools.service.js';

@ApiTags('tools')
@ApiScoped()
@Controller('mcp')
export class ToolsController {
  constructor(private readonly tools: ToolsService) {}

  @Get('tools')
  @RequireScopes('tools:read')
  @ApiOperation({
    operationId: 'listTools',
    summary: 'The namespaced catalog of every connected server in scope',
  })
  @ApiOkResponse({ description: 'The catalog', type: ToolListDto })
  async list(@SessionId() sessionId?: string): Promise<ToolListDto> {
    const tools = await this.tools.list(sessionId);
    return { tools, count: tools.length };
  }

  @Post('execute')
  @RequireScopes('tools:call')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'executeTool',
    summary: 'Run a tool; a tool that reports failure is a 200 with result.isError true',
  })
  @ApiOkResponse({
    description: 'The tool ran; failure it reports is result.isError: true',
    type: ExecuteResponseDto,
  })
  @ApiToolCallErrors()
  execute(
    @Body() body: ExecuteRequestDto,
    @Res({ passthrough: true }) res: Response,
    @SessionId() sessionId?: string,
  ): Promise<ExecuteResult> {
    return this.tools.execute(
      {
        toolName: body.tool_name,
        args: body.args,
        timeoutMs: body.timeout_ms,
        signal: abortOnDisconnect(res),
      },
      sessionId,
    );
  }

  @Get('tools/quarantined')
  @ApiOperation({
    operationId: 'listQuarantinedTools',
    summary: 'Tools held back because their definition changed since first seen (TOOL_PINNING)',
  })
  @ApiOkResponse({
    description: 'The quarantined tools, each with the definition it had before when known',
    type: QuarantinedToolListDto,
  })
  async quarantined(@SessionId() sessionId?: string): Promise<QuarantinedToolListDto> {
    const tools = await this.tools.quarantined(sessionId);
    return { tools, count: tools.length };
  }

  @Post('tools/approve')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'approveTool',
    summary: "Accept a quarantined tool's new definition as its pin (admin)",
  })
  @ApiOkResponse({
    description: 'Approved: its definition as it is now is its pin',
    type: ApprovedToolDto,
  })
  @ApiResponse({ status: 404, description: 'No quarantined tool of that name', type: ErrorDto })
  @ApiResponse({
    status: 409,
    description: 'A bare name several quarantined tools have (TOOL_AMBIGUOUS, with candidates)',
    type: ErrorDto,
  })
  async approve(
    @Body() body: ApproveToolRequestDto,
    @SessionId() sessionId?: string,
  ): Promise<ApprovedToolDto> {
    return { approved: await this.tools.approve(body.tool_name, sessionId) };
  }
}
