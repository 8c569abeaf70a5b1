#!/usr/bin/env node
/**
 * The `demo` MCP server (time, calculator, echo) that MCP Gateway connects to by default.
 *
 *   node dist/mcp_servers/demo-server.js              # MCP over stdio
 *   node dist/mcp_servers/demo-server.js --http 0     # MCP Streamable HTTP on a free port
 *
 * In stdio mode stdout carries the protocol, so every diagnostic goes to stderr.
 * In HTTP mode the only stdout line is `demo-server listening on http://127.0.0.1:<port>/mcp`.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseArgs, USAGE, UsageError } from './demo/cli-args.js';
import { startHttpServer } from './demo/http-server.js';
import { createDemoServer } from './demo/tools.js';

const SHUTDOWN_GRACE_MS = 3000;

function log(message: string): void {
  process.stderr.write(`demo-server: ${message}\n`);
}

let shuttingDown = false;

/** Runs `cleanup` once, then exits; a hung cleanup cannot keep the process alive. */
function onShutdown(cleanup: () => Promise<void>): (reason: string) => void {
  return (reason) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`shutting down (${reason})`);
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    cleanup().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`error during shutdown: ${String(error)}`);
        process.exit(1);
      },
    );
  };
}

function exitOnSignals(shutdown: (reason: string) => void): void {
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function runStdio(): Promise<void> {
  const server = createDemoServer();
  const shutdown = onShutdown(() => server.close());
  exitOnSignals(shutdown);
  // The client owns our lifetime: when it closes stdin (or stops reading stdout), we are done.
  process.stdin.once('end', () => shutdown('stdin closed'));
  process.stdin.once('close', () => shutdown('stdin closed'));
  process.stdout.once('error', (error: Error) => shutdown(`stdout error: ${error.message}`));
  await server.connect(new StdioServerTransport());
  log('serving MCP on stdio');
}

async function runHttp(port: number): Promise<void> {
  const running = await startHttpServer(port, createDemoServer, log);
  exitOnSignals(onShutdown(() => running.close()));
  process.stdout.write(`demo-server listening on ${running.url}\n`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  switch (options.transport) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'stdio':
      return runStdio();
    case 'http':
      return runHttp(options.port);
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`demo-server: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
