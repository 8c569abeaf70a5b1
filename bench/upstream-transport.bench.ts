/**
 * npm run bench:upstream — the CPU the gateway's upstream hop costs per call: the SDK `Client`
 * calling the demo server's `echo` over streamable HTTP, once with the SDK's own transport
 * (WHATWG fetch over the gateway's keep-alive pool, web streams for SSE) and once with the
 * gateway's `PooledHttpTransport` (undici `request`, string SSE parser). C calls in flight,
 * measured in this process (`process.cpuUsage`), rounds interleaved so machine drift hits both.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { keepAliveAgent, keepAliveFetch } from '../src/mcp/keep-alive-fetch.js';
import { PooledHttpTransport } from '../src/mcp/pooled-http-transport.js';
import { startDemoHttp } from './lib/load/targets.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CALLS = Number(process.env.BENCH_CALLS ?? 6000);
const ROUNDS = 3;

interface Figures {
  callsPerSec: number;
  cpuMicrosPerCall: number;
}

async function measure(transport: Transport): Promise<Figures> {
  const client = new Client({ name: 'bench-upstream', version: '1.0.0' });
  await client.connect(transport);
  const run = async (count: number): Promise<void> => {
    let left = count;
    const worker = async (): Promise<void> => {
      while (left-- > 0) {
        const result = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
        if (result.isError) throw new Error('echo failed');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  await run(Math.min(1500, CALLS)); // warm-up: JIT and connections
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(CALLS);
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await client.close();
  return {
    callsPerSec: (CALLS / elapsedMs) * 1000,
    cpuMicrosPerCall: (used.user + used.system) / CALLS,
  };
}

async function main(): Promise<void> {
  const demo = await startDemoHttp();
  const url = new URL(demo.url);
  const variants: [string, () => Transport][] = [
    [
      'SDK StreamableHTTPClientTransport',
      () => new StreamableHTTPClientTransport(url, { fetch: keepAliveFetch }),
    ],
    [
      'gateway PooledHttpTransport',
      () =>
        new PooledHttpTransport(url, {
          dispatcher: keepAliveAgent,
          headers: {},
          followRedirects: false,
        }),
    ],
  ];
  const results = new Map<string, Figures[]>(variants.map(([label]) => [label, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, transport] of variants)
        results.get(label)!.push(await measure(transport()));
    }
  } finally {
    await demo.stop();
  }
  console.log(
    `\nSDK Client → demo echo over streamable HTTP, C=${CONCURRENCY}, ${CALLS} calls a round`,
  );
  console.log(
    `${'transport'.padEnd(36)} ${'calls/s'.padStart(8)} ${'client CPU µs/call'.padStart(19)}  (median of ${ROUNDS} rounds)`,
  );
  for (const [label, figures] of results) {
    const median = (pick: (f: Figures) => number) =>
      figures.map(pick).sort((a, b) => a - b)[Math.floor(figures.length / 2)];
    console.log(
      `${label.padEnd(36)} ${median((f) => f.callsPerSec)
        .toFixed(0)
        .padStart(8)} ${median((f) => f.cpuMicrosPerCall)
        .toFixed(0)
        .padStart(19)}`,
    );
  }
}

await main();
