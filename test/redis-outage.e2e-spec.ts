import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  REDIS_COMMAND_TIMEOUT_MS,
  RedisConnections,
} from '../src/common/redis/redis-connections.js';
import type { GatewayConfig } from '../src/config/gateway-config.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { startOwnRedis, type OwnRedis } from './helpers/queue-redis-server.js';

/** Longer than any answer should take: a request still open after this is a hang. */
const HANG_MS = 8000;

describe('Redis going away while the gateway runs', () => {
  let redis: OwnRedis;
  let gateway: TestGateway;

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HANG_MS),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { REDIS_URL: redis.url },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await redis?.destroy();
  });

  it('keeps serving global tools, answers session routes 503, and runs nothing late', async () => {
    const created = await send('POST', '/sessions/create', {});
    expect(created.status).toBe(201);
    await redis.crash();

    // Rate limits (kept in Redis) fail open; global-scope tools need nothing else.
    const call = await send('POST', '/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'still here' },
    });
    expect(call.status).toBe(200);
    expect(call.body.result.content[0].text).toBe('still here');
    expect((await send('GET', '/mcp/tools')).status).toBe(200);
    expect((await send('GET', '/health/ready')).status).toBe(200);
    expect((await send('GET', '/health')).body.redis).toBe('unavailable');
    const metrics = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(HANG_MS) });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^mcp_gateway_redis_up 0$/m);

    const create = await send('POST', '/sessions/create', { metadata: { late: true } });
    expect(create.status).toBe(503);
    expect(create.body.code).toBe('STORE_UNAVAILABLE');
    expect((await send('GET', '/sessions')).status).toBe(503);
    // The MCP door says the same in its own terms, not a 500.
    const initialize = await fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'X-Session-ID': created.body.session_id as string,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
      signal: AbortSignal.timeout(HANG_MS),
    });
    expect(initialize.status).toBe(503);
    expect(await initialize.json()).toMatchObject({
      error: { data: { code: 'STORE_UNAVAILABLE' } },
    });

    await redis.start();
    let listed = await send('GET', '/sessions');
    for (let i = 0; i < 100 && listed.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = await send('GET', '/sessions');
    }
    expect(listed.status).toBe(200);
    const sessions = listed.body.sessions as { metadata: Record<string, unknown> }[];
    // The refused create was not queued and carried out once Redis came back.
    expect(sessions.map((s) => s.metadata)).toEqual([{}]);
    expect((await send('POST', '/sessions/create', {})).status).toBe(201);
  });
});

describe('Redis hanging (connected, answering nothing) while the gateway runs', () => {
  let redis: OwnRedis;
  let gateway: TestGateway;

  beforeAll(async () => {
    redis = await startOwnRedis();
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { REDIS_URL: redis.url },
    });
  });

  afterAll(async () => {
    redis?.thaw();
    await gateway?.close();
    await redis?.destroy();
  });

  it('costs one request a Redis command timeout, not every request', async () => {
    const limited = await fetch(`${gateway.url}/mcp/tools`);
    expect(limited.headers.get('x-ratelimit-limit')).not.toBeNull();
    redis.freeze();
    // Each request's time against the Redis command timeout: waiting on the rate counter
    // costs a request the whole timeout (2 s), so the count of those that did is exact.
    const waited: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const res = await fetch(`${gateway.url}/mcp/tools`, { signal: AbortSignal.timeout(HANG_MS) });
      expect(res.status).toBe(200);
      waited.push(Date.now() - started >= REDIS_COMMAND_TIMEOUT_MS);
    }
    expect(waited.filter(Boolean)).toHaveLength(1);
    // Once Redis answers again, the limits come back (at the next look, within 5 s).
    redis.thaw();
    let header: string | null = null;
    for (let i = 0; i < 100 && header === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      header = (await fetch(`${gateway.url}/mcp/tools`)).headers.get('x-ratelimit-limit');
    }
    expect(header).not.toBeNull();
  });

  it('is reported unavailable by /health and /metrics, though its socket stays open', async () => {
    const redisUp = async () => {
      const metrics = await fetch(`${gateway.url}/metrics`, {
        signal: AbortSignal.timeout(HANG_MS),
      });
      return /^mcp_gateway_redis_up (\d)$/m.exec(await metrics.text())?.[1];
    };
    const health = async () =>
      (
        (await fetch(`${gateway.url}/health`, { signal: AbortSignal.timeout(HANG_MS) }).then((r) =>
          r.json(),
        )) as { redis: string }
      ).redis;
    expect(await health()).toBe('connected');
    expect(await redisUp()).toBe('1');
    // Polled: the last verdict is reused for a second, so scrapes and probes stay cheap.
    const becomes = async <T>(read: () => Promise<T>, wanted: T) => {
      let seen = await read();
      for (let i = 0; i < 100 && seen !== wanted; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await read();
      }
      return seen;
    };
    redis.freeze();
    try {
      expect(await becomes(health, 'unavailable')).toBe('unavailable');
      expect(await redisUp()).toBe('0');
      // Readiness leaves Redis out: a hung Redis takes no replica out of the load balancer.
      const ready = await fetch(`${gateway.url}/health/ready`, {
        signal: AbortSignal.timeout(HANG_MS),
      });
      expect(ready.status).toBe(200);
    } finally {
      redis.thaw();
    }
    const back = await becomes(health, 'connected');
    expect(back).toBe('connected');
    expect(await redisUp()).toBe('1');
  });
});

describe('the session sweep while Redis is away', () => {
  let redis: OwnRedis;
  let gateway: TestGateway;

  beforeAll(async () => {
    redis = await startOwnRedis();
    gateway = await startGateway({ env: { REDIS_URL: redis.url } });
  });

  afterAll(async () => {
    await gateway?.close();
    await redis?.destroy();
  });

  it('warns once per sweep, with a count and the first error, not once per open session', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await gateway.post('/sessions/create', {})).status).toBe(201);
    }
    await redis.crash();
    // The sweep runs every SESSION_TTL_SECONDS / 4 (capped at 30 s); one is run here at once.
    // Private members, reached on purpose: the sweep's timer and logger are not API.
    const sessions = gateway.app.get<SessionsService, { logger: Logger; sweep(): Promise<void> }>(
      SessionsService,
    );
    const warn = jest.spyOn(sessions.logger, 'warn');
    await sessions.sweep();
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      expect.stringMatching(/^sweep: 3 of 3 session\(s\) could not be checked \(first error: .+\)/),
    ]);
    // Nothing was closed for not being found: the records may well be there.
    expect(gateway.app.get(SessionsService).runtimes.size).toBe(3);
  });
});

describe('a request connection whose link drops with a command in flight', () => {
  let redis: OwnRedis;
  let connections: RedisConnections;

  beforeAll(async () => {
    redis = await startOwnRedis();
    const settings = { url: redis.url, host: '', port: 0, keyPrefix: '' };
    connections = new RedisConnections({ redis: settings } as unknown as GatewayConfig);
    await connections.onModuleInit();
  });

  afterAll(async () => {
    await connections?.onApplicationShutdown();
    await redis?.destroy();
  });

  it('fails the command and does not send it again once Redis is back', async () => {
    const admin = new Redis(redis.url);
    // Writes wait unanswered: the INCR is sent and in flight when the server dies.
    await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    admin.disconnect();
    const incr = connections.get()!.incr('charged');
    const outcome = incr.then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await new Promise((r) => setTimeout(r, 100));
    await redis.crash();
    await redis.start();
    expect(await outcome).toBe('Command timed out');
    // Long enough for a reconnect and any replay to land.
    await new Promise((r) => setTimeout(r, 1000));
    const check = new Redis(redis.url);
    try {
      expect(await check.get('charged')).toBeNull();
    } finally {
      check.disconnect();
    }
  });
});
