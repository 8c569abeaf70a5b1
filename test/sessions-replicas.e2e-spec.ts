import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { CallLimiter } from '../src/auth/call-limiter.js';
import { SessionStore } from '../src/sessions/session-store.js';
import { startDemoHttpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { testRedisUrl, uniquePrefix } from './helpers/redis.js';
import { startSlowProxy, type SlowProxy } from './helpers/slow-proxy.js';

/**
 * How a session's servers stay one set across replicas sharing one Redis: changes that reuse
 * a name, servers-file servers removed, changes whose record step fails, and the server limit.
 */

let redisUrl: string;
let redis: Redis;
let httpDemo: RunningHttpServer;
const prefixes: string[] = [];
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  redis = new Redis(redisUrl);
  httpDemo = await startDemoHttpServer();
});

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
  await Promise.all(running.map((r) => r.stop()));
  await httpDemo?.stop();
});

/** Replicas on one fresh key prefix; `close()` ends them all. */
function replicas(label: string, options: { servers?: object; env?: object } = {}) {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  const started: TestGateway[] = [];
  return {
    start: async () => {
      const gateway = await startGateway({
        servers: options.servers as Record<string, unknown> | undefined,
        env: { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ...options.env },
      });
      started.push(gateway);
      return gateway;
    },
    close: () => Promise.all(started.map((g) => g.close())),
  };
}

/**
 * Two replicas on one fresh key prefix and a session made through the first; `start` adds
 * another replica. All of them are closed once `run` is done.
 */
async function inSession(
  label: string,
  options: { servers?: object; env?: object },
  run: (session: {
    a: TestGateway;
    b: TestGateway;
    id: string;
    start: () => Promise<TestGateway>;
  }) => Promise<void>,
): Promise<void> {
  const group = replicas(label, options);
  try {
    const [a, b] = [await group.start(), await group.start()];
    const id = (await a.post('/sessions/create', {})).body.session_id as string;
    await run({ a, b, id, start: group.start });
  } finally {
    await group.close();
  }
}

/** Another URL for the demo server, held `delayMs` on every new connection. */
async function proxy(delayMs = 0): Promise<SlowProxy> {
  const started = await startSlowProxy(httpDemo.url, delayMs);
  running.push(started);
  return started;
}

interface Listed {
  uuid: string;
  name: string;
  config: { url?: string };
}

async function serversOf(gateway: TestGateway, id: string): Promise<Listed[]> {
  const res = await gateway.get('/mcp/servers', { 'X-Session-ID': id });
  expect(res.status).toBe(200);
  return (res.body.servers as Listed[]).sort((a, b) => a.name.localeCompare(b.name));
}

const namesOf = async (gateway: TestGateway, id: string) =>
  (await serversOf(gateway, id)).map((s) => s.name);

const add = (gateway: TestGateway, id: string, servers: Record<string, object>) =>
  gateway.post('/mcp/servers/add', { config: { mcpServers: servers } }, { 'X-Session-ID': id });

const remove = (gateway: TestGateway, id: string, name: string) =>
  gateway.post('/mcp/servers/remove', { server_name: name }, { 'X-Session-ID': id });

const echo = (gateway: TestGateway, id: string, tool: string) =>
  gateway.post(
    '/mcp/execute',
    { tool_name: tool, args: { message: 'hi' } },
    { 'X-Session-ID': id },
  );

describe('a session server of one name, changed on one replica', () => {
  it('reaches the other replicas when removed and added again with a new URL or new headers', async () => {
    await inSession('respec', {}, async ({ a, b, id }) => {
      const moved = await proxy();
      expect((await add(a, id, { x: { url: httpDemo.url } })).status).toBe(201);
      const before = await serversOf(b, id);
      expect(before.map((s) => s.config.url)).toEqual([httpDemo.url]);

      expect((await remove(a, id, 'x')).status).toBe(200);
      expect((await add(a, id, { x: { url: moved.url } })).status).toBe(201);
      const afterUrl = await serversOf(b, id);
      expect(afterUrl.map((s) => s.config.url)).toEqual([moved.url]);

      // Same URL, new headers: shown the same (values redacted), but another connection.
      expect((await remove(a, id, 'x')).status).toBe(200);
      const headers = { url: moved.url, headers: { 'X-Token': 'second-token' } };
      expect((await add(a, id, { x: headers })).status).toBe(201);
      const afterHeaders = await serversOf(b, id);
      expect(afterHeaders.map((s) => s.name)).toEqual(['x']);
      expect(afterHeaders[0].uuid).not.toBe(afterUrl[0].uuid);
      expect((await echo(b, id, 'x__echo')).status).toBe(200);
    });
  }, 30_000);

  it('added on two replicas at once: one is refused, and every replica ends on the recorded one', async () => {
    await inSession('same-name', {}, async ({ a, b, id, start }) => {
      expect(await namesOf(b, id)).toEqual([]);
      // Slow connects: each replica is still connecting its own when the other one records.
      const [viaA, viaB] = [await proxy(600), await proxy(600)];
      const added = await Promise.all([
        add(a, id, { x: { url: viaA.url } }),
        add(b, id, { x: { url: viaB.url } }),
      ]);
      expect(added.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(added.find((r) => r.status === 409)!.body.code).toBe('SERVER_EXISTS');
      const winner = added[0].status === 201 ? viaA.url : viaB.url;

      const c = await start();
      for (const gateway of [a, b, c]) {
        expect((await serversOf(gateway, id)).map((s) => s.config.url)).toEqual([winner]);
        expect((await echo(gateway, id, 'x__echo')).status).toBe(200);
      }
    });
  }, 30_000);
});

describe('a session server still connecting on one replica', () => {
  it('is kept when another replica changes the session meanwhile, and a request reads that change', async () => {
    await inSession('mid-add', {}, async ({ a, b, id }) => {
      const slow = await proxy(1500);
      const adding = add(a, id, { x: { url: slow.url } });
      await new Promise((r) => setTimeout(r, 300));
      // While A still connects x, B records y, and a request on A reads B's record: A follows
      // it (connects y) but must not drop x, which its own add has not recorded yet.
      expect((await add(b, id, { y: { url: httpDemo.url } })).status).toBe(201);
      expect(await namesOf(a, id)).toContain('y');
      const added = await adding;
      expect(added.status).toBe(201);
      expect(added.body.added.map((s: { name: string }) => s.name)).toEqual(['x']);
      for (const gateway of [a, b]) {
        expect(await namesOf(gateway, id)).toEqual(['x', 'y']);
        expect((await echo(gateway, id, 'x__echo')).status).toBe(200);
      }
    });
  }, 30_000);

  it('refused because another replica recorded its name meanwhile, gives way to the recorded one there', async () => {
    await inSession('mid-add-lost', {}, async ({ a, b, id }) => {
      const slow = await proxy(1500);
      const adding = add(a, id, { x: { url: slow.url } });
      await new Promise((r) => setTimeout(r, 300));
      expect((await add(b, id, { x: { url: httpDemo.url } })).status).toBe(201);
      // A reads B's record while its own x still connects: it keeps its own for now...
      await namesOf(a, id);
      expect((await adding).status).toBe(409);
      // ...and once its own is refused and undone, follows the record: B's x.
      for (const gateway of [a, b]) {
        expect((await serversOf(gateway, id)).map((s) => s.config.url)).toEqual([httpDemo.url]);
        expect((await echo(gateway, id, 'x__echo')).status).toBe(200);
      }
    });
  }, 30_000);
});

describe('a servers-file server removed from a session', () => {
  it('stays removed on every replica and after a restart; its name can be added again', async () => {
    await inSession(
      'file-removed',
      { servers: { demo: { url: httpDemo.url } } },
      async ({ a, b, id, start }) => {
        expect(await namesOf(b, id)).toEqual(['demo']);

        expect((await remove(a, id, 'demo')).status).toBe(200);
        expect(await namesOf(a, id)).toEqual([]);
        expect(await namesOf(b, id)).toEqual([]);
        // A replica that has not connected the session yet, or a restarted one, counts and
        // connects it without the file's server.
        const restarted = await start();
        const listed = (await restarted.get('/sessions')).body.sessions as object[];
        expect(listed).toEqual([expect.objectContaining({ session_id: id, server_count: 0 })]);
        expect(await namesOf(restarted, id)).toEqual([]);
        expect((await echo(restarted, id, 'demo__echo')).status).toBe(404);

        // The name is free again: a server added under it reaches every replica...
        const moved = await proxy();
        expect((await add(b, id, { demo: { url: moved.url } })).status).toBe(201);
        for (const gateway of [a, b, restarted]) {
          expect((await serversOf(gateway, id)).map((s) => s.config.url)).toEqual([moved.url]);
        }
        // ...and removing that one does not bring the file's back.
        expect((await remove(restarted, id, 'demo')).status).toBe(200);
        const late = await start();
        for (const gateway of [a, b, restarted, late])
          expect(await namesOf(gateway, id)).toEqual([]);
      },
    );
  }, 30_000);
});

describe('a session change whose record step fails', () => {
  it('is undone on the replica that made it, so a retry works and no replica keeps it', async () => {
    await inSession('undo', { servers: { demo: { url: httpDemo.url } } }, async ({ a, b, id }) => {
      const store = a.app.get(SessionStore);
      // What a Redis stall gives the compare-and-set of the record.
      const stall = () =>
        jest.spyOn(store, 'replace').mockRejectedValueOnce(new Error('Command timed out'));

      stall();
      const failedAdd = await add(a, id, { x: { url: httpDemo.url } });
      expect(failedAdd.status).toBe(503);
      expect(failedAdd.body.code).toBe('STORE_UNAVAILABLE');
      expect(await namesOf(a, id)).toEqual(['demo']);
      expect((await add(a, id, { x: { url: httpDemo.url } })).status).toBe(201);
      expect(await namesOf(b, id)).toEqual(['demo', 'x']);

      for (const name of ['x', 'demo']) {
        stall();
        const failedRemove = await remove(a, id, name);
        expect(failedRemove.status).toBe(503);
        // Still here and still on the other replica, as the record says.
        expect(await namesOf(a, id)).toContain(name);
        expect(await namesOf(b, id)).toContain(name);
        expect((await remove(a, id, name)).status).toBe(200);
      }
      expect(await namesOf(a, id)).toEqual([]);
      expect(await namesOf(b, id)).toEqual([]);
    });
  }, 30_000);
});

describe('a tool call on a replica that has yet to open its session', () => {
  it('holds its call slot while the session opens, so that waiting calls count against the key', async () => {
    const env = { MAX_CONCURRENT_CALLS_PER_KEY: '1' };
    await inSession('slot-first', { env }, async ({ a, id, start }) => {
      const slow = await proxy(1500);
      expect((await add(a, id, { x: { url: slow.url } })).status).toBe(201);
      // B has never opened the session: its first call connects x, 1.5 s through the proxy.
      const b = await start();
      const first = echo(b, id, 'x__echo');
      await new Promise((r) => setTimeout(r, 300));
      expect(b.app.get(CallLimiter).inFlight).toBe(1);
      const second = await echo(b, id, 'x__echo');
      expect([second.status, second.body.code]).toEqual([429, 'CONCURRENCY_LIMIT']);
      expect((await first).status).toBe(200);
    });
  }, 30_000);
});

describe('SESSION_MAX_SERVERS across replicas', () => {
  it('holds when two replicas add servers to one session at once', async () => {
    await inSession(
      'max-servers',
      { env: { SESSION_MAX_SERVERS: '2' } },
      async ({ a, b, id, start }) => {
        expect(await namesOf(b, id)).toEqual([]);
        // Each replica's own copy has room; only the record knows the other's additions.
        const slow = await proxy(600);
        const added = await Promise.all([
          add(a, id, { a1: { url: slow.url }, a2: { url: slow.url } }),
          add(b, id, { b1: { url: slow.url } }),
        ]);
        expect(added.map((r) => r.status).sort()).toEqual([201, 429]);
        expect(added.find((r) => r.status === 429)!.body.code).toBe('SERVER_LIMIT');
        const kept = added[0].status === 201 ? ['a1', 'a2'] : ['b1'];

        const c = await start();
        for (const gateway of [a, b, c]) expect(await namesOf(gateway, id)).toEqual(kept);
      },
    );
  }, 30_000);
});
