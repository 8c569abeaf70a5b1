import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { unusedPort } from '../../../test/helpers/free-port.js';
import { startOwnRedis, type OwnRedis } from '../../../test/helpers/queue-redis-server.js';
import { testRedisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { planWindow } from '../time-buckets.js';
import type { UsageSample } from '../usage-cells.js';
import { RedisUsageStore } from './redis.usage-store.js';

let redis: Redis;
const prefixes: string[] = [];
const stores: RedisUsageStore[] = [];

/** A store as one replica would have it: its own batch, the shared Redis and prefix. */
function replica(prefix: string): RedisUsageStore {
  const store = new RedisUsageStore(redis, (...parts) => `${prefix}${parts.join(':')}`, {
    flushEveryMs: 60_000,
  });
  stores.push(store);
  return store;
}

function newPrefix(): string {
  const prefix = uniquePrefix('analytics');
  prefixes.push(prefix);
  return prefix;
}

const call = (at: number, tool: string, durationMs: number, error = false): UsageSample => ({
  at,
  keys: { tool, server: tool.split('__')[0], door: 'rest' },
  durationMs,
  error,
  toolError: false,
});

beforeAll(async () => {
  redis = new Redis(await testRedisUrl());
});

afterAll(async () => {
  for (const store of stores) store.close();
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

describe('RedisUsageStore against the real Redis', () => {
  it('adds up the records of several replicas, with last use across them', async () => {
    const prefix = newPrefix();
    const [a, b] = [replica(prefix), replica(prefix)];
    const now = Date.now();
    for (let i = 0; i < 5; i++) a.add(call(now - 1000, 'demo__echo', 10));
    b.add(call(now - 500, 'demo__echo', 2000, true));
    b.add(call(now, 'demo__time', 1));
    await Promise.all([a.flush(), b.flush()]);

    const snapshot = await replica(prefix).read(planWindow(now - 10 * 60_000, now));
    const echo = snapshot.totals.tool.get('demo__echo')!;
    expect(echo.cell.slice(0, 2)).toEqual([6, 1]);
    expect(echo.lastUsed).toBe(now - 500);
    expect(snapshot.totals.server.get('demo')!.cell[0]).toBe(7);
    expect(snapshot.totals.door.get('rest')!.cell[0]).toBe(7);
    expect(snapshot.totals.tool.get('demo__time')!.lastUsed).toBe(now);
  });

  it("includes the reader's own batch without waiting for the timer", async () => {
    const prefix = newPrefix();
    const store = replica(prefix);
    const now = Date.now();
    store.add(call(now, 'x__y', 5));
    const snapshot = await store.read(planWindow(now - 60_000, now));
    expect(snapshot.totals.tool.get('x__y')!.cell[0]).toBe(1);
  });

  it('writes minute and hour hashes that expire, and nothing without a TTL', async () => {
    const prefix = newPrefix();
    const store = replica(prefix);
    const now = Date.now();
    store.add(call(now, 'x__y', 5));
    store.addQuery({ at: now, query: 'q', strategy: 'lexical', result_count: 1, door: 'rest' });
    await store.flush();
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.some((k) => k.startsWith(`${prefix}analytics:m:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}analytics:h:`))).toBe(true);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(27 * 3_600_000);
    }
  });

  it('reads the hours of a long window and the recent queries, newest first', async () => {
    const prefix = newPrefix();
    const store = replica(prefix);
    const now = Date.now();
    store.add(call(now - 5 * 3_600_000, 'old__tool', 3));
    store.add(call(now, 'new__tool', 3));
    store.addQuery({
      at: now - 1,
      query: 'first',
      strategy: 'lexical',
      result_count: 1,
      door: 'rest',
    });
    store.addQuery({ at: now, query: 'second', strategy: 'lexical', result_count: 0, door: 'mcp' });
    await store.flush();

    const day = await replica(prefix).read(planWindow(now - 24 * 3_600_000, now));
    expect([...day.totals.tool.keys()].sort()).toEqual(['new__tool', 'old__tool']);
    expect(day.queries.map((q) => q.query)).toEqual(['second', 'first']);
    const recent = await replica(prefix).read(planWindow(now - 60 * 60_000, now));
    expect([...recent.totals.tool.keys()]).toEqual(['new__tool']);
  });
});

describe('RedisUsageStore without a Redis', () => {
  it('logs a failed write instead of throwing, and keeps recording', async () => {
    const down = new Redis({
      port: await unusedPort(),
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    const store = new RedisUsageStore(down, (...parts) => parts.join(':'), {
      flushEveryMs: 60_000,
    });
    stores.push(store);
    store.add(call(Date.now(), 'x__y', 5));
    await expect(store.flush()).resolves.toBe(false);
    expect(() => store.add(call(Date.now(), 'x__y', 5))).not.toThrow();
    down.disconnect();
  });
});

/** A connection set up as the gateway's request connections are (redis-connections.ts). */
function requestConnection(url: string): Redis {
  const connection = new Redis(url, {
    retryStrategy: () => 50,
    maxRetriesPerRequest: null,
    commandTimeout: 300,
    autoResendUnfulfilledCommands: false,
  });
  connection.on('error', () => undefined);
  connection.on('ready', () => (connection.options.enableOfflineQueue = false));
  return connection;
}

async function callsOf(store: RedisUsageStore, tool: string, now: number): Promise<number> {
  const snapshot = await store.read(planWindow(now - 10 * 60_000, now));
  return snapshot.totals.tool.get(tool)?.cell[0] ?? 0;
}

describe('RedisUsageStore through a Redis outage', () => {
  let own: OwnRedis;
  let connection: Redis;

  beforeAll(async () => {
    own = await startOwnRedis();
    connection = requestConnection(own.url);
    await connection.ping();
  });

  afterAll(async () => {
    connection.disconnect();
    await own.destroy();
  });

  const storeOn = () => {
    const store = new RedisUsageStore(connection, (...parts) => parts.join(':'), {
      flushEveryMs: 60_000,
    });
    stores.push(store);
    return store;
  };

  it('keeps the records made while Redis is down and writes them once it is back', async () => {
    const store = storeOn();
    const now = Date.now();
    await own.crash();
    for (let i = 0; i < 3; i++) store.add(call(now, 'outage__down', 5));
    await store.flush(); // fails: nothing answers
    store.add(call(now, 'outage__down', 5));
    await store.flush(); // fails again, with the first batch still held
    await own.start();
    await waitFor(async () => (await connection.ping().catch(() => '')) === 'PONG');
    await store.flush();
    expect(await callsOf(storeOn(), 'outage__down', now)).toBe(4);
  });

  it('counts a batch once when its reply was lost but Redis carried it out later', async () => {
    const store = storeOn();
    const now = Date.now();
    store.add(call(now, 'outage__stalled', 5));
    own.freeze();
    await store.flush(); // times out; the script waits in the frozen server's socket
    own.thaw();
    await waitFor(async () => (await connection.ping().catch(() => '')) === 'PONG');
    await store.flush(); // sends the same batch again: Redis has applied it, so skips it
    store.add(call(now, 'outage__stalled', 5));
    await store.flush();
    expect(await callsOf(storeOn(), 'outage__stalled', now)).toBe(2);
  });
});

describe('RedisUsageStore with a batch grown large', () => {
  it('writes it in slices, every field once', async () => {
    const prefix = newPrefix();
    const store = replica(prefix);
    const now = Date.now();
    // 4,000 tools x 2 granularities x 3 dimensions x 2 slots: far past one slice.
    for (let i = 0; i < 4000; i++) store.add(call(now, `s${i}__t`, 5));
    await store.flush();
    const snapshot = await replica(prefix).read(planWindow(now - 10 * 60_000, now));
    expect(snapshot.totals.tool.size).toBe(4000);
    expect([...snapshot.totals.tool.values()].every((t) => t.cell[0] === 1)).toBe(true);
    expect(snapshot.totals.door.get('rest')!.cell[0]).toBe(4000);
    expect(snapshot.totals.tool.get('s3999__t')!.lastUsed).toBe(now);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
