import type { INestApplicationContext } from '@nestjs/common';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { GatewayMcpSessions } from './gateway-mcp-sessions.js';
import { limitOutbound, OutboundBudget } from './outbound-budget.js';

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
  answerUnreadableLines(transport);
  return { ended, close: () => session.close() };
}

/**
 * The SDK skips a line it cannot read and tells only its own error handler. JSON-RPC asks for
 * an error answer with a null id, and whoever is debugging a client's framing needs to see one.
 */
function answerUnreadableLines(transport: StdioServerTransport): void {
  const reportToSdk = transport.onerror;
  transport.onerror = (error) => {
    reportToSdk?.(error);
    const notJson = error instanceof SyntaxError;
    if (!notJson && error.name !== 'ZodError') return;
    const answer = {
      jsonrpc: '2.0',
      id: null,
      error: notJson
        ? { code: -32700, message: `Parse error: ${error.message}` }
        : { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' },
    };
    // The SDK's message type has no null id; JSON-RPC's error answer to an unreadable line does.
    void transport.send(answer as unknown as JSONRPCMessage).catch(() => undefined);
  };
}
