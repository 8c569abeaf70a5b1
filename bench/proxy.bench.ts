/**
 * npm run bench:proxy — what the gateway costs as a hop on a tool call (issue 8).
 *
 * Closed loop, loopback only, the demo server's echo tool: C sessions (1 and 16), each
 * initialized once, call back to back for a fixed time after a warm-up, bounded in time and
 * count. Targets: the demo server over streamable HTTP (direct, the reference); the gateway's
 * REST (POST /mcp/execute) and MCP (/mcp) doors fronting that HTTP server, then fronting the
 * demo server over stdio; supergateway (--stateful) and mcp-proxy (with and without its event
 * store) fronting the same stdio server; and, as floors for any HTTP hop, a do-nothing TCP
 * relay and a do-nothing HTTP forwarding proxy (null-proxy.ts) in front of the HTTP server.
 * The load client speaks MCP over a keep-alive undici pool (the SDK Client costs ~0.5 ms of CPU
 * per call); an SDK-client pass at C=16 adds realism.
 * Then the gateway's RSS with 100 servers × 100 tools, and its start-up time to ready.
 *
 * Env: BENCH_WARMUP_MS (2000), BENCH_DURATION_MS (8000), BENCH_MAX_CALLS (400000),
 * BENCH_SDK=0 to skip the SDK pass, BENCH_SCALE=0 to skip RSS/start-up, BENCH_ONLY=<substring>
 * to run only matching targets (the direct reference always runs), BENCH_ROUNDS (1) to run
 * every target that many times in turn and keep each row's median: on a shared host the
 * load drifts over minutes, and rows measured minutes apart drift with it.
 * BENCH_PROCESS_WARMUP_MS (6000): each target process, once started, first serves that long
 * at C=16 through each of its doors, unmeasured, so that the rows compare code the JIT has
 * optimized: V8 was still compiling the gateway's path 15 s into a run, and without this the
 * first door measured (REST, C=1) paid the warm-up of the code both doors share.
 */
import { runClosedLoop, type LoadResult } from './lib/load/closed-loop.js';
import { formatErrors, formatTable, type Group, type Row } from './lib/load/report.js';
import { measureScale } from './lib/load/scale.js';
import { mcpLight, restExecute, sdkClient, type SessionFactory } from './lib/load/sessions.js';
import {
  startDemoHttp,
  startGateway,
  startMcpProxy,
  startNullProxy,
  startSupergateway,
  type RunningTarget,
} from './lib/load/targets.js';

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
const MAX_CALLS = Number(process.env.BENCH_MAX_CALLS ?? 400_000);
const SDK = process.env.BENCH_SDK !== '0';
const SCALE = process.env.BENCH_SCALE !== '0';
const ONLY = process.env.BENCH_ONLY;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const PROCESS_WARMUP_MS = Number(process.env.BENCH_PROCESS_WARMUP_MS ?? 6000);
const CONCURRENCY = [1, 16];

interface Door {
  label: string;
  session: SessionFactory;
  /** The SDK-client variant, when this door speaks MCP. */
  sdk?: SessionFactory;
}

interface Target {
  label: string;
  group: Group;
  start: () => Promise<RunningTarget>;
  doors: Door[];
}

const mcpDoor = (label: string, tool: string): Door => ({
  label,
  session: mcpLight('/mcp', tool),
  sdk: sdkClient('/mcp', tool),
});

async function main(): Promise<void> {
  const started = performance.now();
  const demo = await startDemoHttp();
  const rows: Row[] = [];
  const gatewayDoors: Door[] = [
    { label: 'REST', session: restExecute('demo__echo') },
    mcpDoor('MCP', 'demo__echo'),
  ];
  const targets: Target[] = [
    {
      label: 'direct: demo server (streamable HTTP)',
      group: 'direct',
      start: () => Promise.resolve({ ...demo, stop: () => Promise.resolve() }),
      doors: [mcpDoor('', 'echo')],
    },
    ...(['tcp', 'http'] as const).map((mode): Target => ({
      label: `null ${mode} proxy → HTTP demo`,
      group: 'floor',
      start: async () => {
        const proxy = await startNullProxy(demo.origin, mode);
        return { ...proxy, pids: [...proxy.pids, ...demo.pids] };
      },
      doors: [mcpDoor('', 'echo')],
    })),
    {
      label: 'gateway → HTTP demo',
      group: 'gateway-http',
      // The upstream demo server is part of the serving side: its CPU counts too.
      start: async () => {
        const gw = await startGateway({ kind: 'http', url: demo.url });
        return { ...gw, pids: [...gw.pids, ...demo.pids] };
      },
      doors: gatewayDoors,
    },
    {
      label: 'gateway → stdio demo',
      group: 'gateway-stdio',
      start: () => startGateway({ kind: 'stdio' }),
      doors: gatewayDoors,
    },
    {
      label: 'supergateway --stateful → stdio',
      group: 'peer',
      start: startSupergateway,
      doors: [mcpDoor('', 'echo')],
    },
    {
      label: 'mcp-proxy → stdio',
      group: 'peer',
      start: () => startMcpProxy(true),
      doors: [mcpDoor('', 'echo')],
    },
    {
      label: 'mcp-proxy --no-eventStore → stdio',
      group: 'peer',
      start: () => startMcpProxy(false),
      doors: [mcpDoor('', 'echo')],
    },
  ];

  const measure = async (
    target: Target,
    running: RunningTarget,
    door: Door,
    client: Row['client'],
    concurrency: number,
  ): Promise<void> => {
    const session = client === 'sdk' ? door.sdk : door.session;
    if (!session) return;
    const label = door.label ? `${target.label} ${door.label}` : target.label;
    let result: LoadResult;
    try {
      result = await runClosedLoop({
        origin: running.origin,
        concurrency,
        warmupMs: client === 'sdk' ? WARMUP_MS / 2 : WARMUP_MS,
        durationMs: client === 'sdk' ? DURATION_MS / 2 : DURATION_MS,
        maxCalls: MAX_CALLS,
        session,
        serverPids: running.pids,
      });
    } catch (error) {
      console.error(`${label} C=${concurrency} (${client}): ${String(error)}`);
      return;
    }
    rows.push({ label, group: target.group, client, concurrency, result });
    console.error(
      `  ${label} ${client} C=${concurrency}: ${result.callsPerSec.toFixed(0)} calls/s, ` +
        `p50 ${result.p50.toFixed(2)} ms, errors ${result.errors}`,
    );
  };

  try {
    for (let round = 1; round <= ROUNDS; round++) {
      if (ROUNDS > 1) console.error(`round ${round} of ${ROUNDS}`);
      for (const target of targets) {
        if (ONLY && target.group !== 'direct' && !target.label.includes(ONLY)) continue;
        const running = await target.start();
        try {
          for (const door of PROCESS_WARMUP_MS > 0 ? target.doors : []) {
            await runClosedLoop({
              origin: running.origin,
              concurrency: 16,
              warmupMs: PROCESS_WARMUP_MS,
              durationMs: 0,
              maxCalls: 1,
              session: door.session,
              serverPids: running.pids,
            });
          }
          for (const door of target.doors) {
            for (const c of CONCURRENCY) await measure(target, running, door, 'light', c);
            if (SDK) await measure(target, running, door, 'sdk', 16);
          }
        } finally {
          await running.stop();
        }
      }
    }
  } finally {
    await demo.stop();
  }

  const order = (r: Row) => (r.client === 'light' ? 0 : 1) * 1000 + r.concurrency;
  const table = formatTable(medianRows(rows).sort((a, b) => order(a) - order(b)));
  console.log(
    `\nproxy benchmark: echo tool, closed loop, warm-up ${WARMUP_MS} ms, ${DURATION_MS} ms measured ` +
      `(SDK client: half of each), loopback; CPU in % of one core (gen = load generator, ` +
      `srv = serving process trees)` +
      (ROUNDS > 1 ? `; each row the median by calls/s of ${ROUNDS} rounds` : '') +
      '\n',
  );
  console.log(table);
  for (const line of formatErrors(rows)) console.log(`error: ${line}`);

  if (SCALE) {
    const scale = await measureScale(100, 100, 3);
    const sorted = [...scale.readyMs].sort((a, b) => a - b);
    console.log(
      `\ngateway with ${scale.servers} streamable-HTTP servers, ${scale.tools} tools ` +
        `(${scale.catalogTools} in GET /mcp/tools): RSS ${scale.rssMiB.toFixed(0)} MiB; ` +
        `start-up to ready ${sorted.map((v) => `${v.toFixed(0)} ms`).join(', ')} ` +
        `(median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms)`,
    );
  }
  console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** One row per target, door, client and C: the round with the median calls/s. */
function medianRows(rows: readonly Row[]): Row[] {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.label}|${row.client}|${row.concurrency}`;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  return [...byKey.values()].map((same) => {
    const sorted = [...same].sort((a, b) => a.result.callsPerSec - b.result.callsPerSec);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
