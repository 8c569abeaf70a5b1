import { Module } from '@nestjs/common';
import { RoutingModule } from '../../routing/routing.module.js';
import { ServersModule } from '../../servers/servers.module.js';
import { ToolsModule } from '../../tools/tools.module.js';
import { EndedMcpSessions } from './ended-mcp-sessions.js';
import { GatewayMcpDeps } from './gateway-mcp-deps.js';
import { GatewayMcpSessions } from './gateway-mcp-sessions.js';
import { McpHttpController } from './mcp-http.controller.js';
import { SseSessions } from './sse-sessions.js';
import { StreamableHttpSessions } from './streamable-http-sessions.js';
import { ToolUsage } from './tool-usage.js';

/** The gateway as an MCP server: /mcp (streamable HTTP), /sse + /messages, and stdio (cli.ts). */
@Module({
  imports: [ServersModule, ToolsModule, RoutingModule],
  controllers: [McpHttpController],
  providers: [
    GatewayMcpDeps,
    GatewayMcpSessions,
    ToolUsage,
    StreamableHttpSessions,
    SseSessions,
    EndedMcpSessions,
  ],
  exports: [GatewayMcpSessions],
})
export class McpServerModule {}
