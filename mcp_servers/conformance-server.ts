#!/usr/bin/env node
/**
 * The MCP server that `npm run test:conformance` checks, directly and behind the gateway.
 *
 *   node dist/mcp_servers/conformance-server.js             # MCP over stdio
 *   node dist/mcp_servers/conformance-server.js --http 0    # streamable HTTP on a free port
 *
 * In HTTP mode the only stdout line is `conformance-server listening on <url>`.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { serveHttp } from './conformance/http.js';
import { createConformanceServer } from './conformance/server.js';

function log(message: string): void {
  process.stderr.write(`conformance-server: ${message}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const httpAt = args.indexOf('--http');
  if (httpAt < 0) {
    const server = createConformanceServer();
    process.stdin.once('end', () => void server.close().then(() => process.exit(0)));
    await server.connect(new StdioServerTransport());
    return;
  }
  const port = Number(args[httpAt + 1] ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`bad port '${args[httpAt + 1]}'`);
  const running = await serveHttp(port, createConformanceServer);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`conformance-server listening on ${running.url}\n`);
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
