/**
 * npm run bench:sessions — cost of sessions: time and gateway memory (RSS) to create many
 * sessions with the demo server isolated (one connection each) and marked shared (one for
 * all), and the first call in a session restored from Redis after a restart.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { REPO_ROOT, startGatewayProcess, type GatewayProcess } from './lib/gateway-process.js';
import { descendants, rssMiB, totalRssMiB } from './lib/process-memory.js';

const DEMO = resolve(REPO_ROOT, 'dist/mcp_servers/demo-server.js');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function serversFile(servers: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bench-sessions-')), 'servers.json');
  writeFileSync(path, JSON.stringify({ mcpServers: servers }));
  return path;
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ session_id: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { session_id: string };
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function createMany(gateway: GatewayProcess, count: number, parallel = 8): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next += 1;
        await post(`${gateway.url}/sessions/create`, {});
      }
    }),
  );
  return performance.now() - started;
}

async function scenario(
  label: string,
  servers: Record<string, unknown>,
  count: number,
): Promise<void> {
  const gateway = await startGatewayProcess({
    MCP_SERVERS_CONFIG: serversFile(servers),
    SESSION_MAX: '100000',
  });
  try {
    const baseRss = rssMiB(gateway.child.pid!);
    const ms = await createMany(gateway, count);
    const rss = rssMiB(gateway.child.pid!);
    const children = descendants(gateway.child.pid!);
    console.log(
      `${label}: ${count} sessions in ${(ms / 1000).toFixed(2)} s (${(ms / count).toFixed(2)} ms each); ` +
        `gateway RSS ${baseRss.toFixed(0)} → ${rss.toFixed(0)} MiB (+${(((rss - baseRss) * 1024) / count).toFixed(0)} KiB/session); ` +
        `${children.length} child processes, ${totalRssMiB(children).toFixed(0)} MiB`,
    );
  } finally {
    await gateway.stop();
  }
}

async function startHttpDemo(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [DEMO, '--http', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done) =>
    createInterface({ input: child.stdout }).on('line', (l) => {
      const m = /listening on (\S+)/.exec(l);
      if (m) done(m[1]);
    }),
  );
  return { url, stop: () => child.kill() };
}

async function restoredFirstCall(): Promise<void> {
  const prefix = `bench:sessions:${process.pid}:`;
  const env = {
    MCP_SERVERS_CONFIG: serversFile({ demo: { command: 'node', args: [DEMO] } }),
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
  };
  const echo = (g: GatewayProcess, id: string) =>
    post(
      `${g.url}/mcp/execute`,
      { tool_name: 'demo__echo', args: { message: 'x' } },
      { 'X-Session-ID': id },
    );
  const first = await startGatewayProcess(env);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await post(`${first.url}/sessions/create`, {})).session_id);
  await first.stop();
  const second = await startGatewayProcess(env);
  const firstCalls: number[] = [];
  const warmCalls: number[] = [];
  for (const id of ids) {
    let t = performance.now();
    await echo(second, id);
    firstCalls.push(performance.now() - t);
    t = performance.now();
    await echo(second, id);
    warmCalls.push(performance.now() - t);
  }
  await second.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(
    `first call in a session restored from Redis (reconnects the demo server over stdio): median ${median(firstCalls).toFixed(1)} ms over ${ids.length}; next call ${median(warmCalls).toFixed(2)} ms`,
  );
}

async function main(): Promise<void> {
  const httpDemo = await startHttpDemo();
  try {
    await scenario('isolated, demo over streamable HTTP', { demo: { url: httpDemo.url } }, 1000);
  } finally {
    httpDemo.stop();
  }
  await scenario(
    'shared, demo over stdio',
    { demo: { command: 'node', args: [DEMO], shared: true } },
    1000,
  );
  // One node process per session: 1,000 would need ~40 GB; 100 shows the per-session cost.
  await scenario('isolated, demo over stdio', { demo: { command: 'node', args: [DEMO] } }, 100);
  await restoredFirstCall();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
