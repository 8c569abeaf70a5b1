#!/usr/bin/env node
/**
 * `npx mcp-gateway`: the HTTP gateway (as `npm start`), or with `--stdio` the same gateway
 * as one MCP server on stdin/stdout for desktop clients. Both read the same environment and
 * servers file. In stdio mode stdout carries the protocol, so every log line goes to stderr.
 *
 *   mcp-gateway                      HTTP gateway on GATEWAY_HOST:GATEWAY_PORT
 *   mcp-gateway --stdio              MCP over stdio, global scope
 *   mcp-gateway --stdio --session ID MCP over stdio, bound to gateway session ID
 */
// First: V8 flags must be set before the code that allocates under load runs.
import './common/no-pretenuring.js';
import 'reflect-metadata';
import { createGatewayApp } from './app.factory.js';
import { reportStartFailure } from './common/logging/start-failure.js';
import { GatewayConfig } from './config/gateway-config.js';
import { serveStdio } from './mcp/server/stdio-door.js';
import { ServersService } from './servers/servers.service.js';

const USAGE = 'usage: mcp-gateway [--stdio [--session <gateway-session-id>]] [--help]';

export interface CliOptions {
  stdio: boolean;
  session?: string;
  help: boolean;
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { stdio: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--stdio') options.stdio = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--session' && argv[i + 1] !== undefined) options.session = argv[++i];
    else if (arg.startsWith('--session=')) options.session = arg.slice('--session='.length);
    else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  if (options.session !== undefined && !options.stdio) {
    throw new Error(`--session only applies to --stdio (HTTP clients send X-Session-ID)\n${USAGE}`);
  }
  return options;
}

async function runStdio(session: string | undefined): Promise<void> {
  const app = await createGatewayApp({ logTo: 'stderr', consumeQueue: false });
  // Said before any server is started: without a shared store, the session cannot be here.
  if (session !== undefined && !app.get(GatewayConfig).redis) {
    await app.close();
    throw new Error(
      `--session ${session.slice(0, 80)}: gateway sessions are shared between processes only through Redis (REDIS_URL); without it they live in the process that created them, and this is a new one`,
    );
  }
  await app.init();
  // Answer the client's first tools/list with every server of the file, not a partial list.
  await app.get(ServersService).waitForInitialConnect();
  let served: Awaited<ReturnType<typeof serveStdio>>;
  try {
    served = await serveStdio(app, session);
  } catch (error) {
    // e.g. an unknown --session: end the servers we started before reporting it.
    await app.close();
    throw error;
  }
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Closing ends every upstream process tree; a hang must not keep us alive.
    setTimeout(() => process.exit(0), 15_000).unref();
    await served.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.once('SIGHUP', () => void stop());
  await served.ended;
  await stop();
}

async function cli(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.stdio) return runStdio(options.session);
  await import('./main.js');
}

cli().catch((error: unknown) => {
  reportStartFailure(error);
  process.exit(1);
});
