/**
 * Closed-loop load: C sessions, each initialized once, each calling back to back. A warm-up
 * (not measured), then a fixed measured window; bounded by time and by a total call count.
 */
import { Pool } from 'undici';
import { cpuSince, cpuSnapshot, processTree } from './cpu.js';
import type { SessionFactory } from './sessions.js';

export interface LoadOptions {
  origin: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Upper bound on measured calls, whatever the duration. */
  maxCalls: number;
  session: SessionFactory;
  /** Root pids of the serving side (proxy, upstream servers); their trees are measured. */
  serverPids: readonly number[];
}

export interface LoadResult {
  calls: number;
  errors: number;
  firstError?: string;
  callsPerSec: number;
  p50: number;
  p99: number;
  /** CPU of this process (the load generator) and of the server side, in % of one core. */
  clientCpu: number;
  serverCpu: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export async function runClosedLoop(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const sessions = await Promise.all(
    Array.from({ length: options.concurrency }, () => options.session(pool, options.origin)),
  );
  const latencies = new Float64Array(options.maxCalls);
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  let stopped = false;

  const worker = async (index: number): Promise<void> => {
    const session = sessions[index];
    for (let i = 0; !stopped; i++) {
      const message = `bench ${index}-${i}`;
      const t0 = performance.now();
      try {
        await session.call(message);
        if (measuring && !stopped) {
          latencies[calls++] = performance.now() - t0;
          if (calls >= options.maxCalls) stopped = true;
        }
      } catch (error) {
        if (measuring && !stopped) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
        // A failing target must not spin: errors are rare and slow down the loop a little.
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  };

  const running = sessions.map((_, i) => worker(i));
  await new Promise((r) => setTimeout(r, options.warmupMs));
  const pids = processTree(options.serverPids);
  const serverBefore = cpuSnapshot(pids);
  const clientBefore = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  while (!stopped && performance.now() - t0 < options.durationMs) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const elapsedMs = performance.now() - t0;
  stopped = true;
  const client = process.cpuUsage(clientBefore);
  const serverMs = cpuSince(serverBefore);
  await Promise.all(running);
  await Promise.allSettled(sessions.map((s) => s.close()));
  await pool.close();

  const sorted = latencies.slice(0, calls).sort();
  return {
    calls,
    errors,
    firstError,
    callsPerSec: (calls * 1000) / elapsedMs,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    clientCpu: ((client.user + client.system) / 1000 / elapsedMs) * 100,
    serverCpu: (serverMs / elapsedMs) * 100,
  };
}
