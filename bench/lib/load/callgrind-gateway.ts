/**
 * Counts the instructions the gateway spends per tool call, under callgrind: a figure that
 * does not move with the host's load, for A/B of small changes on a shared machine.
 *
 *   node dist/bench/lib/load/callgrind-gateway.js <rest|mcp> [warm-up calls] [measured calls]
 *
 * The gateway (dist/src/main.js) runs under `valgrind --tool=callgrind --instr-atstart=no`
 * fronting the demo server over streamable HTTP; one client session calls echo, first the
 * warm-up calls uninstrumented (V8 needs thousands to finish optimizing the path), then the
 * measured calls with instrumentation on. Prints instructions per call by kind: V8's compiler
 * and GC apart, since how much of them lands in the window depends on when V8 compiles and
 * collects, not on the code measured. Needs valgrind; takes several minutes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { mcpLight, restExecute } from './sessions.js';
import { startDemoHttp, startGateway } from './targets.js';

const KINDS: [string, RegExp][] = [
  ['compiler', /compiler::|Compil|Turbofan|Baseline|interpreter::Bytecode|Parser::|Zone::/],
  ['gc', /Scaveng|Heap::|MarkCompact|Marking|Sweep|Evacuat|Remembered|SlotSet|BodyDescriptor/],
  ['jit code', /\?\?\?:0x/],
  ['builtins', /Builtins_/],
  ['libc', /libc\.so|ld-linux/],
];

/** Instructions by kind from `callgrind_annotate` (exclusive counts per function). */
function summarise(file: string, calls: number): string {
  const text = execFileSync('callgrind_annotate', ['--auto=no', '--inclusive=no', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const byKind = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) +\(/.exec(line);
    if (!match || line.includes('PROGRAM TOTALS')) continue;
    const count = Number(match[1].replaceAll(',', ''));
    const kind = KINDS.find(([, re]) => re.test(line))?.[0] ?? 'V8/Node runtime';
    byKind.set(kind, (byKind.get(kind) ?? 0) + count);
  }
  const total = [...byKind.values()].reduce((a, b) => a + b, 0);
  const net = total - (byKind.get('compiler') ?? 0) - (byKind.get('gc') ?? 0);
  const k = (n: number) => `${Math.round(n / calls / 1000)} k`.padStart(9);
  return [
    ...[...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${k(n)}  ${kind}`),
    `${k(total)}  total per call`,
    `${k(net)}  per call without compiler and GC`,
  ].join('\n');
}

async function main(): Promise<void> {
  const door = process.argv[2] === 'mcp' ? 'mcp' : 'rest';
  const warmCalls = Number(process.argv[3] ?? 5000);
  const calls = Number(process.argv[4] ?? 400);
  const demo = await startDemoHttp();
  const out = join(mkdtempSync(join(tmpdir(), 'gateway-callgrind-')), 'callgrind.out');
  const gateway = await startGateway({ kind: 'http', url: demo.url }, {}, [
    'valgrind',
    '--quiet',
    '--tool=callgrind',
    '--smc-check=all',
    '--instr-atstart=no',
    `--callgrind-out-file=${out}`,
  ]);
  const origin = gateway.origin;
  const pid = String(gateway.pids[0]);
  const pool = new Pool(origin, { connections: 1, keepAliveTimeout: 600_000 });
  try {
    const session = await (
      door === 'mcp' ? mcpLight('/mcp', 'demo__echo') : restExecute('demo__echo')
    )(pool, origin);
    let errors = 0;
    const call = (message: string) => session.call(message).catch(() => void errors++);
    for (let i = 0; i < warmCalls; i++) await call(`warm ${i}`);
    execFileSync('callgrind_control', ['-i', 'on', pid], { stdio: 'ignore' });
    for (let i = 0; i < calls; i++) await call(`call ${i}`);
    execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-i', 'off', pid], { stdio: 'ignore' });
    await session.close();
    // A dropped keep-alive connection now and then (the gateway is slow under valgrind).
    console.log(
      `${door} door → HTTP demo, ${warmCalls} warm-up calls, ${calls} measured, ${errors} errors`,
    );
    console.log(summarise(`${out}.1`, calls));
    console.log(`callgrind file: ${out}.1 (callgrind_annotate it for functions)`);
  } finally {
    await pool.close();
    await gateway.stop();
    await demo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
