/**
 * What the gateway costs fronting the HTTP demo at C = 16, against a do-nothing HTTP proxy in
 * the same place: calls/s, the ratio to direct, and the serving process's own CPU per call
 * (user + system, the proxy alone, not the demo behind it). bench:proxy's "srv µs/call" of a
 * gateway row counts the demo server too; this tells the proxy's share apart.
 *
 *   node dist/bench/lib/load/own-cpu.js [rounds] [seconds]
 *
 * Each round runs every target in turn (4 s unmeasured, then the measured seconds, 6 by
 * default), so a drifting host moves them together; compare within a round.
 */
import { runClosedLoop } from './closed-loop.js';
import { cpuSince, cpuSnapshot } from './cpu.js';
import { mcpLight, restExecute, type SessionFactory } from './sessions.js';
import { startDemoHttp, startGateway, startNullProxy } from './targets.js';

const WARMUP_MS = 4000;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2);
  const measureMs = Number(process.argv[3] ?? 6) * 1000;
  const demo = await startDemoHttp();
  const demoPath = new URL(demo.url).pathname;
  const proxy = await startNullProxy(demo.origin, 'http');
  const gateway = await startGateway({ kind: 'http', url: demo.url });
  const targets: [string, string, SessionFactory, number][] = [
    ['direct', demo.origin, mcpLight(demoPath, 'echo'), demo.pids[0]],
    ['do-nothing HTTP proxy', proxy.origin, mcpLight(demoPath, 'echo'), proxy.pids[0]],
    ['gateway REST door', gateway.origin, restExecute('demo__echo'), gateway.pids[0]],
    ['gateway MCP door', gateway.origin, mcpLight('/mcp', 'demo__echo'), gateway.pids[0]],
  ];
  try {
    for (let round = 1; round <= rounds; round++) {
      let direct = 0;
      console.log(`round ${round} of ${rounds}, C=16:`);
      for (const [label, origin, session, pid] of targets) {
        const load = (durationMs: number) =>
          runClosedLoop({
            origin,
            concurrency: 16,
            warmupMs: 0,
            durationMs,
            maxCalls: 10_000_000,
            session,
            serverPids: [pid],
          });
        await load(WARMUP_MS);
        const before = cpuSnapshot([pid]);
        const result = await load(measureMs);
        const ownUs = (cpuSince(before) * 1000) / result.calls;
        direct ||= result.callsPerSec;
        console.log(
          `  ${label.padEnd(22)} ${result.callsPerSec.toFixed(0).padStart(6)} calls/s  ` +
            `×direct ${(result.callsPerSec / direct).toFixed(2)}  ` +
            `own CPU ${ownUs.toFixed(0)} µs/call  errors ${result.errors}`,
        );
      }
    }
  } finally {
    await gateway.stop();
    await proxy.stop();
    await demo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
