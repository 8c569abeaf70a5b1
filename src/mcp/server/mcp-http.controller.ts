import { All, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RequireScopes } from '../../auth/auth.decorators.js';
import type { Request, Response } from 'express';
import { SseSessions } from './sse-sessions.js';
import { StreamableHttpSessions } from './streamable-http-sessions.js';

/**
 * The MCP endpoints: the raw request goes to the SDK's transports, which own the protocol.
 * Not REST, so not in the OpenAPI document.
 */
@ApiExcludeController()
// Any tool scope opens the door; each operation then checks its own (tools/call: tools:call).
@RequireScopes('tools:read', 'tools:call')
@Controller()
export class McpHttpController {
  constructor(
    private readonly streamable: StreamableHttpSessions,
    private readonly sse: SseSessions,
  ) {}

  @All('mcp')
  streamableHttp(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.streamable.handle(req, res);
  }

  @Get('sse')
  sseStream(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.sse.openStream(req, res);
  }

  @Post('messages')
  sseMessage(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.sse.postMessage(req, res);
  }
}
