import type { INestApplicationContext } from '@nestjs/common';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { GatewayMcpSessions } from './gateway-mcp-sessions.js';

/**
 * Serves the gateway to one MCP client over this process's stdin/stdout, bound to `scope`
 * (a gateway session id, or undefined for global). Resolves with a promise that settles
 * when the client goes away (stdin ends or the transport closes).
 */
export async function serveStdio(
  app: INestApplicationContext,
  scope: string | undefined,
): Promise<{ ended: Promise<void>; close(): Promise<void> }> {
  const session = await app.get(GatewayMcpSessions).open(scope);
  const transport = new StdioServerTransport();
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  transport.onclose = () => end();
  // The client owns our lifetime: when it closes stdin, we are done.
  process.stdin.once('end', () => end());
  process.stdin.once('close', () => end());
  await session.server.connect(transport);
  return { ended, close: () => session.close() };
}
