import { execFileSync } from 'node:child_process';
import { TestEnvironment } from 'jest-environment-node';

/**
 * Jest's Node environment, plus two checks when a test file is done:
 * - every process the file started (MCP servers, gateways, clients) must be gone. One left
 *   running keeps the jest worker's output pipe open, so the whole run never exits (a CI run
 *   on record hung until its time limit for that); here it is killed, named, and the file fails;
 * - no timer it started may still be running (unless unref'd). One left keeps the worker
 *   alive after the run, and jest kills it with "A worker process has failed to exit
 *   gracefully", naming no file (ioredis's disconnect timer did that, once per run or so).
 */
const GRACE_MS = 5_000;
// Generous: on a loaded machine a gateway closing at the end of a file can take a while to
// clear its last timers (reconnect back-offs, disconnect graces).
const TIMER_GRACE_MS = 3_000;

// A redis-server that test/helpers/redis.ts started (no Redis answered) serves the worker
// until it exits, on purpose.
const KEPT_FOR_THE_WORKER = /(^|\/)redis-server(\s|$)/;

export default class LeakCheckingEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    this.timersBefore = liveTimers();
  }

  async teardown() {
    await super.teardown();
    await this.checkProcesses();
    await this.checkTimers();
  }

  async checkTimers() {
    // Timers due soon (a retry, a grace period) are let run out.
    const deadline = Date.now() + TIMER_GRACE_MS;
    while (liveTimers() > this.timersBefore && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50).unref());
    }
    const left = liveTimers() - this.timersBefore;
    if (left <= 0) return;
    throw new Error(
      `this test file left ${left} timer(s) running ${TIMER_GRACE_MS / 1000} s after it ended, ` +
        'which hold the jest worker open: clear them, or unref() them in the code under test',
    );
  }

  async checkProcesses() {
    const deadline = Date.now() + GRACE_MS;
    let left = leftovers();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = leftovers();
    }
    if (left.length === 0) return;
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone in the meantime.
      }
    }
    throw new Error(
      `this test file left ${left.length} process(es) running ${GRACE_MS / 1000} s after it ended ` +
        `(now killed): ${left.map((p) => `${p.pid} ${p.args}`).join('; ')}`,
    );
  }
}

/** Timers that keep this process alive; unref'd ones are not listed. */
function liveTimers() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Live descendants of this jest worker, other than those kept on purpose. */
function leftovers() {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3], args: m[4] }));
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      if (mine.has(row.ppid) && !mine.has(row.pid)) {
        mine.add(row.pid);
        grew = true;
      }
    }
  }
  return rows.filter(
    (r) =>
      r.pid !== process.pid &&
      mine.has(r.pid) &&
      !r.stat.startsWith('Z') &&
      !KEPT_FOR_THE_WORKER.test(r.args) &&
      // `ps` itself, started just above.
      !r.args.startsWith('ps -A'),
  );
}
