import { spawn, type ChildProcess } from 'node:child_process';
import { redisServerBinary } from './redis.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { unusedPort } from './free-port.js';

export interface OwnRedis {
  url: string;
  /** SIGKILL, as a crash: only what the append-only file holds survives. */
  crash(): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing is answered, as a hung server. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Stops it for good and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, persisting every write (appendfsync
 * always), for tests that kill connections or the server itself: never the shared one.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const binary = redisServerBinary();
  if (!binary) {
    throw new Error(
      'This test restarts a Redis of its own: install redis-server (apt-get install redis-server, brew install redis)',
    );
  }
  const port = await unusedPort();
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, {
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: 1,
    });
    probe.on('error', () => undefined);
    try {
      for (let i = 0; i < 200; i++) {
        if ((await probe.ping().catch(() => '')) === 'PONG') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server on port ${port} did not answer`);
    } finally {
      probe.disconnect();
    }
  };
  const crash = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    crash,
    start,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    destroy: async () => {
      await crash();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
