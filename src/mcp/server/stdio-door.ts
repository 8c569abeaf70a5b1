import type { INestApplicationContext } from '@nestjs/common';
import { GatewayMcpSessions } from './gateway-mcp-sessions.js';
import { limitOutbound, OutboundBudget } from './outbound-budget.js';
import { StdioDoorTransport } from './stdio-door-transport.js';

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
  const transport = new StdioDoorTransport(process.stdin, process.stdout);
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  transport.onclose = () => end();
  // The client owns our lifetime: when it closes stdin, we are done.
  process.stdin.once('end', () => end());
  process.stdin.once('close', () => end());
  // A client that stops reading (closes its end of our stdout) is gone too. Without a
  // listener the broken pipe (EPIPE) is an uncaught error: a stack trace, exit 1, and no
  // orderly end of the upstream processes.
  process.stdout.on('error', () => end());
  // A client that keeps the pipe open but stops reading it: notifications to it are dropped
  // rather than kept; one that owes an answer it cannot take is given up, and we end.
  const budget = new OutboundBudget('stdio client');
  limitOutbound(transport, process.stdout, budget, () => {
    process.stdout.destroy();
    end();
  });
  await session.server.connect(transport);
  return { ended, close: () => session.close() };
}
