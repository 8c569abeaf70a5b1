import { execFileSync } from 'node:child_process';
import { TestEnvironment } from 'jest-environment-node';

/**
 * Jest's Node environment, plus a check when a test file is done: every process the file
 * started (MCP servers, gateways, clients) must be gone. One left running keeps the jest
 * worker's output pipe open, so the whole run never exits (a CI run on record hung until its
 * time limit for that); here it is killed, named, and the file fails instead.
 */
const GRACE_MS = 5_000;

// A redis-server that test/helpers/redis.ts started (no Redis answered) serves the worker
// until it exits, on purpose.
const KEPT_FOR_THE_WORKER = /(^|\/)redis-server(\s|$)/;

export default class LeakCheckingEnvironment extends TestEnvironment {
  async teardown() {
    await super.teardown();
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
