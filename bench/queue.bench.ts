/**
 * npm run bench:queue — the queue door: requests per second and latency from XADD to the
 * response on the response stream, with the demo `echo` tool, for one and for two gateway
 * processes (consumers). Uses REDIS_URL, else 127.0.0.1:6379, with streams of its own.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startGatewayProcess, type GatewayProcess } from './lib/gateway-process.js';
import { ResponseWaiter } from './lib/queue/response-waiter.js';
import { ms, summarize } from './lib/stats.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = Number(process.env.BENCH_ITERATIONS ?? 3000);
const IN_FLIGHT = 64;
const SEQUENTIAL = 500;

interface Streams {
  requests: string;
  responses: string;
  prefix: string;
}

/** Sends `total` echo requests keeping `window` outstanding; XADD→response per request. */
async function run(redis: Redis, streams: Streams, total: number, window: number) {
  const waiter = await ResponseWaiter.start(redis.duplicate(), streams.responses);
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const id = `bench-${next++}-${randomUUID()}`;
      const answered = waiter.expect(id);
      const t = performance.now();
      const payload = { id, op: 'execute', tool_name: 'demo__echo', args: { message: 'bench' } };
      await redis.xadd(streams.requests, '*', 'payload', JSON.stringify(payload));
      const response = JSON.parse(await answered) as { ok: boolean };
      samples.push(performance.now() - t);
      if (!response.ok) throw new Error(`request failed: ${JSON.stringify(response)}`);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  const seconds = (performance.now() - started) / 1000;
  await waiter.stop();
  return { perSecond: total / seconds, ...summarize(samples) };
}

async function cleanUp(redis: Redis, streams: Streams): Promise<void> {
  const keys = [streams.requests, streams.responses, `${streams.requests}:dead`];
  let cursor = '0';
  do {
    const [nextCursor, found] = await redis.scan(
      cursor,
      'MATCH',
      `${streams.prefix}*`,
      'COUNT',
      1000,
    );
    keys.push(...found);
    cursor = nextCursor;
  } while (cursor !== '0');
  await redis.del(...keys);
}

async function scenario(redis: Redis, consumers: number): Promise<void> {
  const base = `bench:queue:${randomUUID().slice(0, 8)}`;
  const streams = {
    requests: `${base}:requests`,
    responses: `${base}:responses`,
    prefix: `${base}:keys:`,
  };
  const env = {
    REDIS_URL,
    REDIS_KEY_PREFIX: streams.prefix,
    QUEUE_REQUEST_STREAM: streams.requests,
    QUEUE_RESPONSE_STREAM: streams.responses,
  };
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < consumers; i++) gateways.push(await startGatewayProcess(env));
    await run(redis, streams, 200, IN_FLIGHT); // warm-up
    const sequential = await run(redis, streams, SEQUENTIAL, 1);
    const loaded = await run(redis, streams, REQUESTS, IN_FLIGHT);
    const label = `${consumers} consumer${consumers > 1 ? 's' : ''}`;
    console.log(
      `${label}, ${sequential.n} sequential: p50 ${ms(sequential.p50)}, p99 ${ms(sequential.p99)}`,
    );
    console.log(
      `${label}, ${loaded.n} with ${IN_FLIGHT} in flight: ${Math.round(loaded.perSecond)} req/s, p50 ${ms(loaded.p50)}, p99 ${ms(loaded.p99)}`,
    );
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await cleanUp(redis, streams);
  }
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    console.log(`queue door, demo__echo, XADD → response on the response stream (${REDIS_URL})`);
    await scenario(redis, 1);
    await scenario(redis, 2);
  } finally {
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
