/**
 * The processes a proxy benchmark talks to: the demo server over streamable HTTP, the
 * gateway (REST and MCP doors) fronting it over HTTP or stdio, and the peer proxies
 * (supergateway, mcp-proxy) fronting the demo server over stdio. Each is a real process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { freePort, REPO_ROOT, startGatewayProcess } from '../gateway-process.js';
import { McpHttpSession } from './mcp-http-client.js';

export const DEMO_SERVER = resolve(REPO_ROOT, 'dist/mcp_servers/demo-server.js');
const BIN = resolve(REPO_ROOT, 'node_modules/.bin');

export interface RunningTarget {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Root pids of the serving side; the load runner measures their process trees. */
  pids: number[];
  stop(): Promise<void>;
}

/** Ends a child started in its own process group: the whole group (the child's tree). */
function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      return done();
    }
    const pid = child.pid;
    const kill = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      // Grandchildren (a proxy's stdio server) may outlive their parent by a moment.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Nothing left.
      }
      done();
    });
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      done();
    }
  });
}

/** Spawns a Node script in its own process group; resolves once it printed `listening on <url>`. */
async function spawnListening(
  script: string,
  args: string[],
  name: string,
): Promise<RunningTarget & { url: string }> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const url = await new Promise<string>((ok, fail) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`${name} did not start in 10 s`)), 10_000);
    lines.on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        ok(match[1]);
      }
    });
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}`)));
  });
  child.stdout.resume();
  return { url, origin: new URL(url).origin, pids: [child.pid!], stop: () => stopGroup(child) };
}

/** `node dist/mcp_servers/demo-server.js --http 0`. */
export function startDemoHttp(): Promise<RunningTarget & { url: string }> {
  return spawnListening(DEMO_SERVER, ['--http', '0'], 'demo server');
}

/** A do-nothing proxy (null-proxy.ts) in front of an HTTP origin: HTTP forwarding or TCP relay. */
export function startNullProxy(
  upstreamOrigin: string,
  mode: 'http' | 'tcp',
): Promise<RunningTarget> {
  return spawnListening(
    resolve(REPO_ROOT, 'dist/bench/lib/load/null-proxy.js'),
    [upstreamOrigin, mode],
    `null proxy (${mode})`,
  );
}

/** Polls with a real initialize until the MCP endpoint answers (or 30 s pass). */
async function waitForMcp(origin: string, path: string, child: ChildProcess): Promise<void> {
  const started = performance.now();
  let last: unknown;
  while (performance.now() - started < 30_000) {
    if (child.exitCode !== null)
      throw new Error(`${origin}: process exited with ${child.exitCode}`);
    const pool = new Pool(origin, { connections: 1 });
    try {
      const session = new McpHttpSession(pool, path);
      await session.initialize();
      await session.close();
      return;
    } catch (error) {
      last = error;
    } finally {
      await pool.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${origin}${path} not ready in 30 s: ${String(last)}`);
}

async function startPeer(bin: string, args: (port: number) => string[]): Promise<RunningTarget> {
  const port = await freePort();
  const child = spawn(resolve(BIN, bin), args(port), {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'ignore'],
    detached: true,
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForMcp(origin, '/mcp', child);
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
  return { origin, pids: [child.pid!], stop: () => stopGroup(child) };
}

/** supergateway, stateful (its stateless mode spawns a process per request). */
export function startSupergateway(): Promise<RunningTarget> {
  return startPeer('supergateway', (port) => [
    '--stdio',
    `node ${DEMO_SERVER}`,
    '--outputTransport',
    'streamableHttp',
    '--stateful',
    '--port',
    String(port),
    '--logLevel',
    'none',
  ]);
}

/** mcp-proxy, streamable HTTP only; `eventStore: false` is its faster request/response mode. */
export function startMcpProxy(eventStore: boolean): Promise<RunningTarget> {
  return startPeer('mcp-proxy', (port) => [
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--server',
    'stream',
    ...(eventStore ? [] : ['--no-eventStore']),
    '--',
    'node',
    DEMO_SERVER,
  ]);
}

export type GatewayUpstream = { kind: 'http'; url: string } | { kind: 'stdio' };

/** The gateway with one server `demo` behind it, from a temporary servers file. */
export async function startGateway(
  upstream: GatewayUpstream,
  env: Record<string, string> = {},
  launcher: string[] = [],
  /** Another build's `src/main.js` (see startGatewayProcess). */
  main?: string,
): Promise<RunningTarget & { readyMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-bench-'));
  const file = join(dir, 'servers.json');
  const demo =
    upstream.kind === 'http'
      ? { url: upstream.url, transport: 'streamable-http' }
      : { command: process.execPath, args: [DEMO_SERVER] };
  writeFileSync(file, JSON.stringify({ mcpServers: { demo } }));
  const gateway = await startGatewayProcess({ MCP_SERVERS_CONFIG: file, ...env }, launcher, main);
  return {
    origin: gateway.url,
    readyMs: gateway.readyMs,
    pids: [gateway.child.pid!],
    stop: async () => {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
