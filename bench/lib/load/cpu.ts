import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { descendants } from '../process-memory.js';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in ms (0 once it has gone). */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The pids of these roots and of all their descendants, as of now. */
export function processTree(roots: readonly number[]): number[] {
  const all = new Set<number>();
  for (const root of roots) {
    all.add(root);
    for (const d of descendants(root)) all.add(d);
  }
  return [...all];
}

/** CPU ms used so far by each pid, by pid. */
export function cpuSnapshot(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((p) => [p, processCpuMs(p)]));
}

/** CPU ms the pids used between a snapshot and now. */
export function cpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of before) total += processCpuMs(pid) - ms;
  return total;
}
