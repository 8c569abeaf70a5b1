/**
 * How much of what a tool call allocates outlives a scavenge, per door: V8's young-generation
 * figures from `--trace-gc-nvp`, divided by the calls made while they were logged.
 *
 *   node dist/bench/lib/load/gc-survival.js <rest|mcp> <http|stdio> [seconds] [node flags...]
 *
 * A call's objects should die young: at C = 16 a call lasts milliseconds and a scavenge comes
 * every hundred calls or so. What survives two scavenges is promoted and stays until a full
 * GC, and copying it is most of a scavenge's cost. A figure far above the few KB in flight per
 * call means something keeps finished calls reachable for the scavenger: a Set or WeakMap in
 * the old generation that calls pass through, for instance (docs/benchmarks.md, "Garbage kept
 * alive by a Set or a WeakMap").
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClosedLoop } from './closed-loop.js';
import { mcpLight, restExecute } from './sessions.js';
import { startDemoHttp, startGateway } from './targets.js';

interface Scavenges {
  count: number;
  allocated: number;
  survived: number;
  promoted: number;
  pauseMs: number;
  backgroundMs: number;
}

function field(line: string, name: string): number {
  const match = new RegExp(`(?:^|\\s)${name}=([\\d.]+)`).exec(line);
  return match ? Number(match[1]) : 0;
}

/** The scavenges logged from line `from` on (nvp lines: `gc=s` ... `allocated=` ...). */
function scavengesSince(log: string, from: number): Scavenges {
  const totals: Scavenges = {
    count: 0,
    allocated: 0,
    survived: 0,
    promoted: 0,
    pauseMs: 0,
    backgroundMs: 0,
  };
  for (const line of readFileSync(log, 'utf8').split('\n').slice(from)) {
    if (!/\bgc=s\b/.test(line)) continue;
    totals.count += 1;
    totals.allocated += field(line, 'allocated');
    totals.survived += field(line, 'new_space_survived');
    totals.promoted += field(line, 'promoted');
    totals.pauseMs += field(line, 'pause');
    totals.backgroundMs += field(line, 'background.scavenge.parallel');
  }
  return totals;
}

function linesIn(log: string): number {
  return readFileSync(log, 'utf8').split('\n').length;
}

async function main(): Promise<void> {
  const door = process.argv[2] === 'mcp' ? 'mcp' : 'rest';
  const upstreamKind = process.argv[3] === 'http' ? 'http' : 'stdio';
  const seconds = Number(process.argv[4] ?? 5);
  const flags = process.argv.slice(5).join(' ');
  const log = join(tmpdir(), `gc-survival-${process.pid}.log`);
  const demo = upstreamKind === 'http' ? await startDemoHttp() : undefined;
  // Node takes --trace-gc-nvp only on its command line, and the gateway's log goes to stdout.
  const launcher = ['sh', '-c', `exec "$0" --trace-gc-nvp ${flags} "$@" > ${log}`];
  const gateway = await startGateway(
    demo ? { kind: 'http', url: demo.url } : { kind: 'stdio' },
    {},
    launcher,
  );
  try {
    const session = door === 'mcp' ? mcpLight('/mcp', 'demo__echo') : restExecute('demo__echo');
    const load = (ms: number) =>
      runClosedLoop({
        origin: gateway.origin,
        concurrency: 16,
        warmupMs: 0,
        durationMs: ms,
        maxCalls: 1_000_000,
        session,
        serverPids: gateway.pids,
      });
    await load(6000); // the JIT's warm-up, not measured
    const from = linesIn(log);
    const result = await load(seconds * 1000);
    const gc = scavengesSince(log, from);
    const calls = result.calls;
    const kb = (bytes: number) => `${(bytes / calls / 1024).toFixed(1)} KB`;
    const us = (ms: number) => `${((ms * 1000) / calls).toFixed(0)} µs`;
    console.log(
      `${door} door → ${upstreamKind} demo, C=16${flags ? ` (${flags})` : ''}: ` +
        `${result.callsPerSec.toFixed(0)} calls/s, ${gc.count} scavenges\n` +
        `per call: allocated ${kb(gc.allocated)}, survived a scavenge ${kb(gc.survived)}, ` +
        `promoted ${kb(gc.promoted)}; scavenge pause ${us(gc.pauseMs)}, ` +
        `background scavenging ${us(gc.backgroundMs)}`,
    );
  } finally {
    await gateway.stop();
    await demo?.stop();
    rmSync(log, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
