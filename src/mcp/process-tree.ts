import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Process groups of stdio servers not yet known to be empty. A server's children that it
 * outlived are re-parented to init, so no walk from this process finds them; their group,
 * the server's pid, still names them (see ProcessGroupStdioTransport).
 */
const openGroups = new Set<number>();

export function rememberGroup(pgid: number): void {
  openGroups.add(pgid);
}

export function forgetGroup(pgid: number): void {
  openGroups.delete(pgid);
}

/** All descendants of `pid` (children first), from one `ps` snapshot. */
export async function listDescendants(pid: number): Promise<number[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('ps', ['-A', '-o', 'pid=,ppid='], { timeout: 5000 }));
  } catch {
    return [];
  }
  return descendantsIn(stdout, pid);
}

/**
 * The last resort of a shutdown that ran out of time: SIGKILL every descendant of this
 * process and every stdio server's process group at once, synchronously, so that no stdio
 * server's tree outlives the gateway. Returns how many processes and groups were signalled.
 */
export function killAllDescendantsNow(): number {
  let pids: number[] = [];
  try {
    const stdout = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { timeout: 2000 }).toString();
    pids = descendantsIn(stdout, process.pid).filter((pid) => pid !== process.pid);
  } catch {
    // The groups below are still reachable without ps.
  }
  const groups = [...openGroups].filter((pgid) => isAlive(-pgid));
  for (const pid of [...groups.map((pgid) => -pgid), ...pids]) signal(pid, 'SIGKILL');
  return pids.length + groups.length;
}

function descendantsIn(stdout: string, pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of stdout.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || parent === undefined || Number.isNaN(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Whether the process lives; a negative pid asks whether any member of that group does. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM means it exists but is not ours to signal.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM, then SIGKILL whatever is still alive after `graceMs`. A negative pid names a
 * process group, as in kill(2): every member is signalled.
 */
export async function terminate(pids: number[], graceMs: number): Promise<void> {
  const alive = pids.filter(isAlive);
  if (alive.length === 0) return;
  alive.forEach((p) => signal(p, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive.some(isAlive)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  alive.filter(isAlive).forEach((p) => signal(p, 'SIGKILL'));
}
