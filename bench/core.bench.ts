/**
 * npm run bench:core — start-up time to ready, and the latency of GET /mcp/tools and of an
 * `echo` execute through the REST door, sequential (one request at a time), over loopback.
 */
import { startGatewayProcess } from './lib/gateway-process.js';
import { ms, summarize } from './lib/stats.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const WARMUP = 200;

async function time(n: number, call: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    samples.push(performance.now() - t);
  }
  return samples;
}

async function main(): Promise<void> {
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) {
    const gw = await startGatewayProcess();
    startups.push(gw.readyMs);
    await gw.stop();
  }
  const gateway = await startGatewayProcess();
  const listTools = async () => {
    const res = await fetch(`${gateway.url}/mcp/tools`);
    if (res.status !== 200) throw new Error(`GET /mcp/tools: ${res.status}`);
    await res.arrayBuffer();
  };
  const echo = async () => {
    const res = await fetch(`${gateway.url}/mcp/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tool_name: 'demo__echo', args: { message: 'bench' } }),
    });
    if (res.status !== 200) throw new Error(`POST /mcp/execute: ${res.status}`);
    await res.arrayBuffer();
  };
  await time(WARMUP, listTools);
  await time(WARMUP, echo);
  const tools = summarize(await time(ITERATIONS, listTools));
  const exec = summarize(await time(ITERATIONS, echo));
  await gateway.stop();

  const start = summarize(startups);
  console.log(
    `start-up to ready (demo server over stdio), ${start.n} runs: p50 ${ms(start.p50)}, max ${ms(Math.max(...startups))}`,
  );
  console.log(
    `GET /mcp/tools, ${tools.n} sequential: p50 ${ms(tools.p50)}, p95 ${ms(tools.p95)}, p99 ${ms(tools.p99)}`,
  );
  console.log(
    `POST /mcp/execute demo__echo, ${exec.n} sequential: p50 ${ms(exec.p50)}, p95 ${ms(exec.p95)}, p99 ${ms(exec.p99)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
