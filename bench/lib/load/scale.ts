/**
 * Gateway scale: RSS with N servers of M tools connected, and start-up time to ready.
 * The servers live in one helper process (many-servers-host.ts); the gateway connects to
 * each over streamable HTTP, as it would to remote servers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, startGatewayProcess } from '../gateway-process.js';
import { rssMiB } from '../process-memory.js';

export interface ScaleResult {
  servers: number;
  tools: number;
  readyMs: number[];
  /** RSS of the gateway process, MiB, once ready and after one GET /mcp/tools. */
  rssMiB: number;
  catalogTools: number;
}

export async function measureScale(
  servers: number,
  toolsPerServer: number,
  starts: number,
): Promise<ScaleResult> {
  const host = spawn(
    process.execPath,
    [
      resolve(REPO_ROOT, 'dist/bench/lib/load/many-servers-host.js'),
      String(servers),
      String(toolsPerServer),
    ],
    { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const dir = mkdtempSync(join(tmpdir(), 'proxy-bench-scale-'));
  try {
    const config = await new Promise<string>((ok, fail) => {
      createInterface({ input: host.stdout }).once('line', ok);
      host.once('exit', (code) => fail(new Error(`many-servers-host exited with ${code}`)));
    });
    const file = join(dir, 'servers.json');
    writeFileSync(file, config);
    const readyMs: number[] = [];
    let rss = 0;
    let catalogTools = 0;
    for (let i = 0; i < starts; i++) {
      const gateway = await startGatewayProcess({ MCP_SERVERS_CONFIG: file });
      try {
        readyMs.push(gateway.readyMs);
        if (i === starts - 1) {
          const res = await fetch(`${gateway.url}/mcp/tools`);
          const body = (await res.json()) as unknown[] | { tools?: unknown[] };
          catalogTools = Array.isArray(body) ? body.length : (body.tools?.length ?? 0);
          await new Promise((r) => setTimeout(r, 500));
          rss = rssMiB(gateway.child.pid!);
        }
      } finally {
        await gateway.stop();
      }
    }
    return { servers, tools: servers * toolsPerServer, readyMs, rssMiB: rss, catalogTools };
  } finally {
    host.stdin.end();
    host.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
