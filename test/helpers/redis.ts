import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { unusedPort } from './free-port.js';

let found: Promise<string> | undefined;

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The path of an installed redis-server, or '' when there is none. */
export function redisServerBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function locate(): Promise<string> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    if (await answers(fromEnv)) return fromEnv;
    throw new Error(`REDIS_URL=${fromEnv} does not answer PING`);
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return local;
  const binary = redisServerBinary();
  if (!binary) {
    throw new Error(
      'These tests need Redis: set REDIS_URL, run one on 127.0.0.1:6379, or install redis-server ' +
        '(apt-get install redis-server, brew install redis) so the tests can start their own.',
    );
  }
  const port = await unusedPort();
  const child = spawn(binary, ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  child.unref();
  process.once('exit', () => child.kill());
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await answers(url)) return url;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`started ${binary} on port ${port}, but it does not answer`);
}

/** A Redis for tests: REDIS_URL, else 127.0.0.1:6379, else a redis-server started for this run. */
export function testRedisUrl(): Promise<string> {
  found ??= locate();
  return found;
}

/** A key prefix no other test run uses, so tests can share one Redis. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}
