import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ErrorCode } from '../../common/errors/error-code.js';
import { GatewayError } from '../../common/errors/gateway-error.js';
import { validateEnv } from '../../config/env.schema.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import { ToolSearch, type SearchRequest } from '../../routing/tool-search.js';
import { ServersService } from '../../servers/servers.service.js';
import { ToolsService, type ExecuteRequest } from '../../tools/tools.service.js';
import { makeQueueDriver } from '../queue-driver.factory.js';
import { QueueDriver } from '../queue-driver.js';
import type { QueueResponse } from '../queue-message.js';
import { QueueController } from '../queue.controller.js';
import { QueueTransport } from '../queue.transport.js';
import { InProcessQueueDriver } from './in-process.queue-driver.js';

/** An in-memory ToolsService: `echo` answers its message after `delay_ms`, `boom` is a bug. */
class FakeTools {
  readonly calls: { request: ExecuteRequest; sessionId?: string }[] = [];
  running = 0;
  mostRunning = 0;

  async execute(request: ExecuteRequest, sessionId?: string) {
    this.calls.push({ request, sessionId });
    if (sessionId === 'sess_unknown') {
      throw new GatewayError(ErrorCode.SESSION_NOT_FOUND, `Session '${sessionId}' not found`);
    }
    if (request.toolName === 'boom') throw new Error('secret internals');
    if (request.toolName !== 'echo') {
      throw new GatewayError(ErrorCode.TOOL_NOT_FOUND, `Tool '${request.toolName}' not found`);
    }
    this.running++;
    this.mostRunning = Math.max(this.mostRunning, this.running);
    await new Promise((r) => setTimeout(r, Number(request.args?.delay_ms ?? 0)));
    this.running--;
    return { tool_name: 'demo__echo', server: 'demo', result: { message: request.args?.message } };
  }

  list(sessionId?: string) {
    return Promise.resolve([{ name: 'demo__echo', server: 'demo', sessionId }]);
  }
}

class FakeServers {
  list() {
    return Promise.resolve([{ name: 'demo', status: 'connected' }]);
  }
  waitForInitialConnect() {
    return Promise.resolve();
  }
}

class FakeSearch {
  search(request: SearchRequest, sessionId?: string) {
    return Promise.resolve({
      query: request.query,
      tools: [],
      strategy: 'fake',
      sessionId,
      request,
    });
  }
}

interface Harness {
  app: INestApplication;
  driver: InProcessQueueDriver;
  tools: FakeTools;
  send(payload: unknown): Promise<QueueResponse>;
}

let app: INestApplication | undefined;

async function harness(
  env: Record<string, string> = {},
  { withSearch = true } = {},
): Promise<Harness> {
  const config = new GatewayConfig(validateEnv(env));
  const tools = new FakeTools();
  const driver = new InProcessQueueDriver(config.queue);
  const providers: Provider[] = [
    { provide: GatewayConfig, useValue: config },
    { provide: ToolsService, useValue: tools },
    { provide: ServersService, useValue: new FakeServers() },
    { provide: QueueDriver, useValue: driver },
    QueueTransport,
  ];
  if (withSearch) providers.push({ provide: ToolSearch, useValue: new FakeSearch() });
  const moduleRef = await Test.createTestingModule({
    controllers: [QueueController],
    providers,
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  app.connectMicroservice({ strategy: app.get(QueueTransport) });
  await app.startAllMicroservices();
  await app.init();
  const send = async (payload: unknown) => {
    const outcome = await driver.submit(
      typeof payload === 'string' ? payload : JSON.stringify(payload),
    );
    if (outcome.kind !== 'answered') throw new Error(`dead-lettered: ${outcome.reason}`);
    return outcome.response;
  };
  return { app, driver, tools, send };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the queue handlers over the in-process driver', () => {
  it('answers each op with the body the REST door gives', async () => {
    const { send, tools } = await harness();
    const executed = await send({
      id: 'r1',
      op: 'execute',
      tool_name: 'echo',
      args: { message: 'hi' },
      session_id: 'sess_a',
    });
    expect(executed).toEqual({
      id: 'r1',
      ok: true,
      result: { tool_name: 'demo__echo', server: 'demo', result: { message: 'hi' } },
      took_ms: expect.any(Number),
    });
    expect(tools.calls[0]).toEqual({
      request: { toolName: 'echo', args: { message: 'hi' }, timeoutMs: undefined, door: 'queue' },
      sessionId: 'sess_a',
    });
    expect(await send({ id: 'r2', op: 'list_tools' })).toMatchObject({
      ok: true,
      result: { tools: [{ name: 'demo__echo' }], count: 1 },
    });
    expect(await send({ id: 'r3', op: 'list_servers' })).toMatchObject({
      ok: true,
      result: { servers: [{ name: 'demo', status: 'connected' }] },
    });
    expect(
      await send({ id: 'r4', op: 'search', query: 'echo', limit: 2, session_id: 's' }),
    ).toMatchObject({
      ok: true,
      result: { query: 'echo', sessionId: 's', request: { query: 'echo', limit: 2 } },
    });
  });

  it('answers service errors with their codes, and unexpected ones without their text', async () => {
    const { send } = await harness();
    expect(
      await send({ id: 'e1', op: 'execute', tool_name: 'echo', session_id: 'sess_unknown' }),
    ).toEqual({
      id: 'e1',
      ok: false,
      error: { code: 'SESSION_NOT_FOUND', message: "Session 'sess_unknown' not found" },
      took_ms: expect.any(Number),
    });
    expect(await send({ id: 'e2', op: 'execute', tool_name: 'nope' })).toMatchObject({
      error: { code: 'TOOL_NOT_FOUND' },
    });
    const internal = await send({ id: 'e3', op: 'execute', tool_name: 'boom' });
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(internal)).not.toContain('secret internals');
  });

  it('answers an invalid request with INVALID_REQUEST and dead-letters one it cannot answer', async () => {
    const { send, driver } = await harness();
    expect(await send({ id: 'v1', op: 'execute', tool_name: 'echo', extra: 1 })).toMatchObject({
      id: 'v1',
      ok: false,
      error: { code: 'INVALID_REQUEST', details: ['unknown field "extra" for op "execute"'] },
    });
    expect(await driver.submit('{"op": "list_tools"}')).toMatchObject({ kind: 'dead' });
    expect(await driver.submit(undefined)).toMatchObject({ kind: 'dead' });
    expect(driver.deadLetters.map((d) => d.payload)).toEqual(['{"op": "list_tools"}', undefined]);
    expect(await send({ id: 'v2', op: 'list_tools' })).toMatchObject({ ok: true });
    expect(await driver.stats()).toMatchObject({ driver: 'memory', deadLetters: 2, pending: 0 });
  });

  it('does not run a request whose deadline passed, and shortens the timeout to meet one', async () => {
    const { send, tools } = await harness();
    const late = await send({
      id: 'd1',
      op: 'execute',
      tool_name: 'echo',
      deadline_ms: Date.now() - 1,
    });
    expect(late).toMatchObject({ ok: false, error: { code: 'UPSTREAM_TIMEOUT' } });
    expect(tools.calls).toHaveLength(0);
    await send({ id: 'd2', op: 'execute', tool_name: 'echo', deadline_ms: Date.now() + 60_000 });
    expect(tools.calls[0].request.timeoutMs).toBeLessThanOrEqual(60_000);
    expect(tools.calls[0].request.timeoutMs).toBeGreaterThan(0);
  });

  it('runs an id once, whether its duplicate comes during or after the run', async () => {
    const { send, tools } = await harness();
    const request = {
      id: 'same',
      op: 'execute',
      tool_name: 'echo',
      args: { message: 'x', delay_ms: 50 },
    };
    const [first, during] = await Promise.all([send(request), send(request)]);
    const after = await send(request);
    expect(tools.calls).toHaveLength(1);
    expect(during).toEqual(first);
    expect(after).toEqual(first);
  });

  it('runs no more requests at once than QUEUE_CONCURRENCY', async () => {
    const { send, tools } = await harness({ QUEUE_CONCURRENCY: '2' });
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        send({ id: `c${i}`, op: 'execute', tool_name: 'echo', args: { delay_ms: 30 } }),
      ),
    );
    expect(responses.every((r) => r.ok)).toBe(true);
    expect(tools.mostRunning).toBe(2);
  });

  it('answers NOT_READY for search when no search is provided', async () => {
    const { send } = await harness({}, { withSearch: false });
    expect(await send({ id: 's1', op: 'search', query: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_READY' },
    });
  });
});

describe('makeQueueDriver', () => {
  const config = new GatewayConfig(validateEnv({}));
  const noRedis = { enabled: false } as never;

  it('builds the in-process driver for "memory" and refuses what it cannot build', () => {
    expect(makeQueueDriver({ type: 'memory' }, noRedis, config)).toBeInstanceOf(
      InProcessQueueDriver,
    );
    expect(() => makeQueueDriver({ type: 'redis' }, noRedis, config)).toThrow(/REDIS_URL/);
    expect(() => makeQueueDriver({ type: 'kafka' } as never, noRedis, config)).toThrow(
      /Unknown queue type "kafka"/,
    );
  });
});
