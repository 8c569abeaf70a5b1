/**
 * What the gateway costs fronting the HTTP demo at C = 16, against a do-nothing HTTP proxy in
 * the same place: calls/s, the ratio to direct, and the serving process's own CPU per call
 * (user + system, the proxy alone, not the demo behind it). bench:proxy's "srv µs/call" of a
 * gateway row counts the demo server too; this tells the proxy's share apart.
 *
 *   node dist/bench/lib/load/own-cpu.js [rounds] [seconds] [main.js of another build ...]
 *
 * Each round runs every target in turn (4 s unmeasured, then the measured seconds, 6 by
 * default), so a drifting host moves them together; compare within a round. Each further
 * argument is another build's `src/main.js` (a copy of `dist` kept from before a change, say),
 * started beside this one with rows of its own: an A/B of two builds in one run, the do-nothing
 * proxy's CPU per call as the yardstick that says how fast the host was in each round.
 */
import { runClosedLoop } from './closed-loop.js';
import { cpuSince, cpuSnapshot } from './cpu.js';
import { mcpLight, restExecute, type SessionFactory } from './sessions.js';
import { startDemoHttp, startGateway, startNullProxy, type RunningTarget } from './targets.js';

const WARMUP_MS = 4000;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2);
  const measureMs = Number(process.argv[3] ?? 6) * 1000;
  const demo = await startDemoHttp();
  const demoPath = new URL(demo.url).pathname;
  const proxy = await startNullProxy(demo.origin, 'http');
  const builds: [string, string | undefined][] = [
    ['gateway', undefined],
    ...process.argv.slice(4).map((main, i): [string, string] => [`build ${i + 2}`, main]),
  ];
  const gateways: RunningTarget[] = [];
  const targets: [string, string, SessionFactory, number][] = [
    ['direct', demo.origin, mcpLight(demoPath, 'echo'), demo.pids[0]],
    ['do-nothing HTTP proxy', proxy.origin, mcpLight(demoPath, 'echo'), proxy.pids[0]],
  ];
  for (const [label, main] of builds) {
    if (main !== undefined) console.log(`${label}: ${main}`);
    const gateway = await startGateway({ kind: 'http', url: demo.url }, {}, [], main);
    gateways.push(gateway);
    targets.push(
      [`${label} REST door`, gateway.origin, restExecute('demo__echo'), gateway.pids[0]],
      [`${label} MCP door`, gateway.origin, mcpLight('/mcp', 'demo__echo'), gateway.pids[0]],
    );
  }
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
          `  ${label.padEnd(24)} ${result.callsPerSec.toFixed(0).padStart(6)} calls/s  ` +
            `×direct ${(result.callsPerSec / direct).toFixed(2)}  ` +
            `own CPU ${ownUs.toFixed(0)} µs/call  errors ${result.errors}`,
        );
      }
    }
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await proxy.stop();
    await demo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
