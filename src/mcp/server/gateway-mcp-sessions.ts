import { Injectable } from '@nestjs/common';
import { GatewayMcpDeps } from './gateway-mcp-deps.js';
import { GatewayMcpSession } from './gateway-mcp-session.js';

/** Opens a GatewayMcpSession for a new MCP client, bound to its scope. */
@Injectable()
export class GatewayMcpSessions {
  constructor(private readonly deps: GatewayMcpDeps) {}

  /** Throws SESSION_NOT_FOUND (a GatewayError) for an unknown gateway session. */
  async open(scope: string | undefined): Promise<GatewayMcpSession> {
    const registry = await this.deps.scopes.resolve(scope);
    const session = new GatewayMcpSession(this.deps, scope, registry);
    await session.start();
    return session;
  }
}
