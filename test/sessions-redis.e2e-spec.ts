import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisSessionStore } from '../src/sessions/redis.session-store.js';
import type { SessionRecord } from '../src/sessions/session-record.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { startDemoHttpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { waitFor } from './helpers/processes.js';
import { testRedisUrl, uniquePrefix } from './helpers/redis.js';

/** Set-up writes: create() with a limit that is never reached. */
const NO_LIMIT = { total: Number.MAX_SAFE_INTEGER, perOwner: Number.MAX_SAFE_INTEGER };

let redisUrl: string;
let redis: Redis;
const prefixes: string[] = [];

function newPrefix(label: string): string {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return prefix;
}

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  redis = new Redis(redisUrl);
});

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

describe('RedisSessionStore against the real Redis', () => {
  const record = (id: string, expiresAt: number): SessionRecord => ({
    id,
    createdAt: 1,
    lastActiveAt: 1,
    expiresAt,
    metadata: { who: id },
    servers: [{ name: 's', spec: { url: 'http://h/mcp', headers: { Authorization: 'secret' } } }],
    revision: 2,
  });

  it('saves, reads, touches, lists, counts and deletes, with a TTL on the key', async () => {
    const prefix = newPrefix('store');
    const store = new RedisSessionStore(redis, prefix);
    const now = Date.now();
    await store.create(record('a', now + 60_000), NO_LIMIT);
    await store.create(record('b', now + 60_000), NO_LIMIT);
    expect(await store.get('a')).toEqual(record('a', now + 60_000));
    const ttl = await redis.pttl(`${prefix}session:a`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    await store.touch({ id: 'a', lastActiveAt: now + 5, expiresAt: now + 120_000 });
    expect(await store.get('a')).toMatchObject({ lastActiveAt: now + 5, expiresAt: now + 120_000 });
    expect(await redis.pttl(`${prefix}session:a`)).toBeGreaterThan(110_000);

    expect(await store.count()).toBe(2);
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(await store.delete({ id: 'a' })).toBe(true);
    expect(await store.delete({ id: 'a' })).toBe(false);
    // A touch after a delete must not bring a half-record back.
    await store.touch({ id: 'a', lastActiveAt: now, expiresAt: now + 60_000 });
    expect(await redis.exists(`${prefix}session:a`)).toBe(0);
    expect(await store.count()).toBe(1);
  });

  it('creates no more than the limit, however many creates race', async () => {
    const store = new RedisSessionStore(redis, newPrefix('limit'));
    const expiresAt = Date.now() + 60_000;
    const limits = { total: 5, perOwner: 5 };
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.create(record(`s${i}`, expiresAt), limits)),
    );
    expect(created.filter((c) => c === 'created')).toHaveLength(5);
    expect(created.filter((c) => c === 'total-limit')).toHaveLength(15);
    expect(await store.count()).toBe(5);
  });

  it("holds each owner to its limit under racing creates; a delete or expiry frees the owner's room", async () => {
    const prefix = newPrefix('owner');
    let now = Date.now();
    const store = new RedisSessionStore(redis, prefix, () => now);
    const limits = { total: 100, perOwner: 3 };
    const owned = (id: string, owner: string | undefined, expiresAt: number): SessionRecord => ({
      ...record(id, expiresAt),
      owner,
    });
    const alice = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.create(owned(`a${i}`, 'alice:ops', now + 60_000), limits),
      ),
    );
    expect(alice.filter((c) => c === 'created')).toHaveLength(3);
    expect(alice.filter((c) => c === 'owner-limit')).toHaveLength(9);
    // Another key, and sessions without an owner, are not held to alice's limit.
    expect(await store.create(owned('b0', 'bob', now + 60_000), limits)).toBe('created');
    for (const id of ['n0', 'n1', 'n2', 'n3']) {
      expect(await store.create(owned(id, undefined, now + 60_000), limits)).toBe('created');
    }
    const ownerIndex = `${prefix}sessions:owner:alice%3Aops`;
    expect(await redis.zcard(ownerIndex)).toBe(3);
    expect(await redis.pttl(ownerIndex)).toBeGreaterThan(50_000);

    const first = alice.findIndex((c) => c === 'created');
    expect(await store.delete({ id: `a${first}`, owner: 'alice:ops' })).toBe(true);
    expect(await store.create(owned('a-new', 'alice:ops', now + 1_000), limits)).toBe('created');
    expect(await store.create(owned('a-late', 'alice:ops', now + 60_000), limits)).toBe(
      'owner-limit',
    );
    // a-new expires; a touch keeps the others alive and their index with them.
    const kept = alice.flatMap((c, i) => (c === 'created' && i !== first ? [`a${i}`] : []));
    for (const id of kept) {
      await store.touch({ id, owner: 'alice:ops', lastActiveAt: now, expiresAt: now + 120_000 });
    }
    expect(await redis.pttl(ownerIndex)).toBeGreaterThan(110_000);
    now += 2_000;
    expect(await store.create(owned('a-late', 'alice:ops', now + 60_000), limits)).toBe('created');
  });

  it('touches and deletes an owned session written before owner indexes existed', async () => {
    // The previous version wrote the record and the global index only.
    const prefix = newPrefix('legacy');
    const store = new RedisSessionStore(redis, prefix);
    const now = Date.now();
    const legacy: SessionRecord = { ...record('old', now + 60_000), owner: 'alice' };
    await store.create({ ...legacy, owner: undefined }, NO_LIMIT);
    await redis.hset(`${prefix}session:old`, 'data', JSON.stringify({ ...legacy, owner: 'alice' }));
    const ownerIndex = `${prefix}sessions:owner:alice`;
    expect(await redis.exists(ownerIndex)).toBe(0);

    await store.touch({ id: 'old', owner: 'alice', lastActiveAt: now, expiresAt: now + 90_000 });
    expect(await store.get('old')).toMatchObject({ owner: 'alice', expiresAt: now + 90_000 });
    // It now counts against its owner's quota, and its index expires with it.
    expect(await redis.zscore(ownerIndex, 'old')).toBe(String(now + 90_000));
    expect(await redis.pttl(ownerIndex)).toBeGreaterThan(80_000);
    expect(await store.delete({ id: 'old', owner: 'alice' })).toBe(true);
    expect(await redis.exists(ownerIndex)).toBe(0);
  });

  it('replaces a record only at the revision it was read at', async () => {
    const prefix = newPrefix('cas');
    const store = new RedisSessionStore(redis, prefix);
    const now = Date.now();
    await store.create(record('r', now + 60_000), NO_LIMIT);
    const next = { ...record('r', now + 60_000), servers: [], revision: 3 };
    expect(await store.replace(next, 1)).toBe(false);
    expect(await store.get('r')).toMatchObject({ revision: 2 });
    // A touch in between is kept: replace() rewrites the data, not the timestamps.
    await store.touch({ id: 'r', lastActiveAt: now + 7, expiresAt: now + 90_000 });
    expect(await store.replace(next, 2)).toBe(true);
    expect(await store.get('r')).toMatchObject({
      revision: 3,
      servers: [],
      lastActiveAt: now + 7,
      expiresAt: now + 90_000,
    });
    expect(await store.replace({ ...next, id: 'gone' }, 3)).toBe(false);
    expect(await redis.exists(`${prefix}session:gone`)).toBe(0);
  });

  it('never returns an expired record, even before Redis evicts it', async () => {
    let now = Date.now();
    const store = new RedisSessionStore(redis, newPrefix('expiry'), () => now);
    await store.create(record('x', now + 60_000), NO_LIMIT);
    now += 61_000;
    expect(await store.get('x')).toBeUndefined();
    expect(await store.count()).toBe(0);
  });
});

describe('sessions with Redis: restarts and replicas', () => {
  let httpDemo: RunningHttpServer;

  beforeAll(async () => {
    httpDemo = await startDemoHttpServer();
  });

  afterAll(async () => {
    await httpDemo?.stop();
  });

  const gatewayOn = (prefix: string): Promise<TestGateway> =>
    startGateway({
      servers: { demo: demoStdioSpec() },
      env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix },
    });

  it('keeps sessions, and servers added to them, across a gateway restart', async () => {
    const prefix = newPrefix('restart');
    const first = await gatewayOn(prefix);
    const id = (await first.post('/sessions/create', { metadata: { user: 'bob' } })).body
      .session_id as string;
    const added = await first.post(
      '/mcp/servers/add',
      {
        config: {
          mcpServers: { remote: { url: httpDemo.url, headers: { 'X-Token': 'tok-12345' } } },
        },
      },
      { 'X-Session-ID': id },
    );
    expect(added.status).toBe(201);
    await first.close();

    const second = await gatewayOn(prefix);
    try {
      const list = await second.get('/sessions');
      expect(list.body.sessions).toEqual([
        expect.objectContaining({
          session_id: id,
          metadata: { user: 'bob' },
          server_count: 2,
          tool_count: null,
        }),
      ]);
      const call = await second.post(
        '/mcp/execute',
        { tool_name: 'remote__echo', args: { message: 'after restart' } },
        { 'X-Session-ID': id },
      );
      expect(call.status).toBe(200);
      expect(call.body.result.content[0].text).toBe('after restart');
      const servers = await second.get('/mcp/servers', { 'X-Session-ID': id });
      const remote = servers.body.servers.find((s: { name: string }) => s.name === 'remote');
      expect(remote.config.headers).toEqual({ 'X-Token': '[redacted]' });
      expect(second.transcript.join('')).not.toContain('tok-12345');
    } finally {
      await second.close();
    }
  });

  it('starts no server from a session record that today’s policies refuse', async () => {
    const prefix = newPrefix('vet');
    const env = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix };
    const lenient = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { ...env, GATEWAY_STDIO_ALLOWLIST: 'node *' },
    });
    let id: string;
    try {
      id = (await lenient.post('/sessions/create', {})).body.session_id as string;
      const added = await lenient.post(
        '/mcp/servers/add',
        { config: { mcpServers: { added: demoStdioSpec() } } },
        { 'X-Session-ID': id },
      );
      expect(added.body.added).toEqual([expect.objectContaining({ name: 'added' })]);
    } finally {
      await lenient.close();
    }
    // A replica (or a restart) with a narrower allowlist: the record alone starts nothing.
    const strict = await gatewayOn(prefix);
    try {
      const servers = await strict.get('/mcp/servers', { 'X-Session-ID': id });
      expect(servers.status).toBe(200);
      expect(servers.body.servers.map((s: { name: string }) => s.name)).toEqual(['demo']);
      const call = await strict.post(
        '/mcp/execute',
        { tool_name: 'added__echo', args: { message: 'x' } },
        { 'X-Session-ID': id },
      );
      expect(call.status).toBe(404);
    } finally {
      await strict.close();
    }
  });

  it('lets two gateways share sessions: create on one, use and delete on the other', async () => {
    const prefix = newPrefix('replicas');
    const a = await gatewayOn(prefix);
    const b = await gatewayOn(prefix);
    try {
      const id = (await a.post('/sessions/create', {})).body.session_id as string;
      expect((await b.get('/mcp/tools', { 'X-Session-ID': id })).body.count).toBe(3);

      // A server added through B reaches A's copy of the session too.
      await b.post(
        '/mcp/servers/add',
        { config: { mcpServers: { remote: { url: httpDemo.url } } } },
        { 'X-Session-ID': id },
      );
      const viaA = await a.post(
        '/mcp/execute',
        { tool_name: 'remote__echo', args: { message: 'via a' } },
        { 'X-Session-ID': id },
      );
      expect(viaA.body.result?.content[0].text).toBe('via a');

      const aSessions = a.app.get(SessionsService);
      expect(aSessions.runtimes.peek(id)).toBeDefined();
      const deleted = await fetch(`${b.url}/sessions/${id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(await waitFor(() => aSessions.runtimes.peek(id) === undefined, 5000)).toBe(true);
      expect((await a.get('/mcp/tools', { 'X-Session-ID': id })).status).toBe(404);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps SESSION_MAX and every added server when two replicas race', async () => {
    const prefix = newPrefix('races');
    const env = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, SESSION_MAX: '3' };
    const a = await startGateway({ env });
    const b = await startGateway({ env });
    try {
      const creates = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).post('/sessions/create', {})),
      );
      expect(creates.map((r) => r.status).sort()).toEqual([
        ...Array<number>(3).fill(201),
        ...Array<number>(9).fill(429),
      ]);
      const id = creates.find((r) => r.status === 201)!.body.session_id as string;

      // Each replica adds its own servers to the same session at the same moment.
      const add = (gateway: TestGateway, names: string[]) =>
        gateway.post(
          '/mcp/servers/add',
          {
            config: {
              mcpServers: Object.fromEntries(names.map((n) => [n, { url: httpDemo.url }])),
            },
          },
          { 'X-Session-ID': id },
        );
      const added = await Promise.all([add(a, ['a1', 'a2']), add(b, ['b1', 'b2'])]);
      expect(added.map((r) => r.status)).toEqual([201, 201]);
      // The record holds all four: a third process restoring the session connects them all.
      const c = await startGateway({ env });
      try {
        const servers = (await c.get('/mcp/servers', { 'X-Session-ID': id })).body.servers as {
          name: string;
        }[];
        expect(servers.map((s) => s.name).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
        // And each replica reconciles to the other's additions.
        for (const gateway of [a, b]) {
          const echo = await gateway.post(
            '/mcp/execute',
            { tool_name: gateway === a ? 'b1__echo' : 'a1__echo', args: { message: 'both' } },
            { 'X-Session-ID': id },
          );
          expect(echo.body.result?.content[0].text).toBe('both');
        }
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  }, 30_000);
});
