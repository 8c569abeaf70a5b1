import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unusedPort } from './free-port.js';
import { REPO_ROOT } from './paths.js';

export interface GatewayChild {
  child: ChildProcess;
  /** SIGKILL to the whole process group: the gateway and its stdio servers die at once. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The built gateway (dist/src/main.js) as a separate process in its own process group, so
 * a test can kill it like a crash (kill -9) without taking the test process down.
 */
export async function startGatewayChild(
  servers: Record<string, unknown>,
  env: Record<string, string>,
): Promise<GatewayChild> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-queue-'));
  const serversFile = join(dir, 'servers.json');
  writeFileSync(serversFile, JSON.stringify({ mcpServers: servers }));
  const port = await unusedPort();
  // Jest's --experimental-vm-modules is not for the gateway.
  const inherited = { ...process.env };
  delete inherited.NODE_OPTIONS;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/src/main.js')], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...inherited,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      LOG_LEVEL: 'error',
      MCP_SERVERS_CONFIG: serversFile,
      ...env,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error('gateway child not ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(name === 'SIGKILL' ? -child.pid! : child.pid!, name);
      } catch {
        // Already gone.
      }
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return { child, crash: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
