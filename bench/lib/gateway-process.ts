import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The Node flags of `npm start` (e.g. the young-generation size), so that a benchmark runs the
 * gateway exactly as users start it.
 */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn until /health/ready answered 200. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Starts the built gateway (dist/src/main.js) as a real process and waits until it is ready.
 * A launcher (e.g. `['valgrind', '--tool=callgrind', ...]`) runs Node under another program.
 * `main`, else `BENCH_GATEWAY_MAIN`, starts another build instead (a copy of `dist` made before
 * a change: `cp -r dist dist-before`, in the repository, where the bundle finds node_modules), so any benchmark can run both builds for an A/B.
 */
export async function startGatewayProcess(
  env: Record<string, string> = {},
  launcher: string[] = [],
  main: string | undefined = process.env.BENCH_GATEWAY_MAIN,
): Promise<GatewayProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const [command, ...prefix] = [...launcher, process.execPath];
  // Under valgrind the gateway starts many times slower than the minute allowed otherwise.
  const readyWithinMs = launcher.length > 0 ? 600_000 : 60_000;
  const child = spawn(
    command,
    [...prefix, ...startFlags(), resolve(REPO_ROOT, main ?? 'dist/src/main.js')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        // A benchmark is one caller sending as fast as it can: abuse limits would measure themselves.
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_TOOL_PER_MINUTE: '0',
        MAX_CONCURRENT_CALLS: '100000',
        MAX_CONCURRENT_CALLS_PER_KEY: '100000',
        MAX_CONCURRENT_CALLS_PER_SERVER: '100000',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > readyWithinMs) {
      throw new Error(`gateway not ready within ${readyWithinMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    child,
    readyMs,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
