import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { QueueService } from '../src/queue/queue.service.js';
import { ToolsService } from '../src/tools/tools.service.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { queueEnv, QueueTestClient, uniqueStreams } from './helpers/queue-redis.js';
import { testRedisUrl } from './helpers/redis.js';

describe('the queue door on Redis Streams', () => {
  let gateway: TestGateway;
  let client: QueueTestClient;
  let executions: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    const url = await testRedisUrl();
    const streams = uniqueStreams('queue');
    client = new QueueTestClient(url, streams);
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: queueEnv(url, streams, { QUEUE_RESPONSE_MAXLEN: '100' }),
    });
    executions = jest.spyOn(gateway.app.get(ToolsService), 'execute');
  });

  afterAll(async () => {
    await gateway?.close();
    await client?.cleanUp();
  });

  it('answers execute with the REST body, on the response stream, with the id as a field', async () => {
    await client.send({
      id: 'exec-1',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 'over the queue' },
    });
    const [answer] = (await client.waitForAnswers(['exec-1'])).get('exec-1')!;
    expect(answer.id).toBe('exec-1');
    expect(answer.payload).toEqual({
      id: 'exec-1',
      ok: true,
      result: {
        tool_name: 'demo__echo',
        server: 'demo',
        result: expect.objectContaining({
          content: [{ type: 'text', text: 'over the queue' }],
          isError: false,
        }),
        took_ms: expect.any(Number),
      },
      took_ms: expect.any(Number),
    });
  });

  it('answers list_tools, list_servers and search', async () => {
    await client.send({ id: 'tools-1', op: 'list_tools' });
    await client.send({ id: 'servers-1', op: 'list_servers' });
    await client.send({
      id: 'search-1',
      op: 'search',
      query: 'evaluate an arithmetic expression',
      limit: 1,
    });
    const tools = await client.answerOf('tools-1');
    expect(tools.result.count).toBe(3);
    expect(tools.result.tools.map((t: { name: string }) => t.name).sort()).toEqual([
      'demo__calculator',
      'demo__echo',
      'demo__time',
    ]);
    const servers = await client.answerOf('servers-1');
    expect(servers.result.servers).toEqual([
      expect.objectContaining({ name: 'demo', status: 'connected' }),
    ]);
    const search = await client.answerOf('search-1');
    expect(search.ok).toBe(true);
    expect(search.result.tools).toHaveLength(1);
    expect(search.result.tools[0].name).toBe('demo__calculator');
  });

  it('answers errors with the REST codes: unknown session, unknown tool, bad arguments, bad request', async () => {
    await client.send({ id: 'err-session', op: 'list_tools', session_id: 'sess_doesnotexist' });
    await client.send({ id: 'err-tool', op: 'execute', tool_name: 'demo__nope' });
    await client.send({
      id: 'err-args',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 42 },
    });
    await client.send({ id: 'err-request', op: 'execute' });
    const code = async (id: string) => (await client.answerOf(id)).error.code;
    expect(await client.answerOf('err-session')).toEqual({
      id: 'err-session',
      ok: false,
      error: { code: 'SESSION_NOT_FOUND', message: expect.stringContaining('sess_doesnotexist') },
      took_ms: expect.any(Number),
    });
    expect((await client.answerOf('err-tool')).error).toEqual({
      code: 'TOOL_NOT_FOUND',
      message: "Tool 'demo__nope' not found in this scope (the 'list_tools' op lists them)",
    });
    expect(await code('err-args')).toBe('INVALID_ARGUMENTS');
    expect(await code('err-request')).toBe('INVALID_REQUEST');
  });

  it('dead-letters an entry it cannot answer, with the reason, and keeps consuming', async () => {
    const poison = await client.send('{this is not json');
    await client.redis.xadd(client.streams.requests, '*', 'something', 'else');
    await client.send({ id: 'after-poison', op: 'list_servers' });
    expect((await client.answerOf('after-poison')).ok).toBe(true);
    const dead = await client.deadLetters();
    expect(dead).toHaveLength(2);
    expect(dead[0]).toMatchObject({
      source_id: poison,
      reason: expect.stringContaining('not valid JSON'),
      fields: JSON.stringify({ payload: '{this is not json' }),
    });
    expect(dead[1].reason).toBe('the entry has no "payload" field');
    expect(await gateway.app.get(QueueService).stats()).toMatchObject({
      driver: 'redis',
      deadLetters: 2,
    });
  });

  it('dead-letters an entry giving "payload" twice, with both, and answers each id without running it', async () => {
    const first = JSON.stringify({ id: 'two-payloads-1', op: 'list_servers' });
    const second = JSON.stringify({ id: 'two-payloads-2', op: 'list_servers' });
    const entry = await client.redis.xadd(
      client.streams.requests,
      '*',
      'payload',
      first,
      'payload',
      second,
    );
    await client.send({ id: 'after-twice', op: 'list_servers' });
    expect((await client.answerOf('after-twice')).ok).toBe(true);
    const dead = (await client.deadLetters()).find((d) => d.source_id === entry);
    expect(dead).toMatchObject({
      reason: 'the entry gives "payload" 2 times; send one request per entry',
      fields: JSON.stringify({ payload: [first, second] }),
    });
    for (const id of ['two-payloads-1', 'two-payloads-2']) {
      expect(await client.answerOf(id)).toEqual({
        id,
        ok: false,
        error: {
          code: 'INVALID_REQUEST',
          message: 'Not run: the entry gives "payload" 2 times; send one request per entry',
        },
        took_ms: expect.any(Number),
      });
    }
  });

  it('does not run a request whose deadline has passed', async () => {
    executions.mockClear();
    await client.send({
      id: 'late-1',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 'too late' },
      deadline_ms: Date.now() - 1000,
    });
    const answer = await client.answerOf('late-1');
    expect(answer.error.code).toBe('UPSTREAM_TIMEOUT');
    expect(answer.error.message).toContain('it was not run');
    expect(executions).not.toHaveBeenCalled();
  });

  it('runs a request id once and answers every copy of it the same', async () => {
    executions.mockClear();
    const request = {
      id: 'twice-1',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 'once', delay_ms: 200 },
    };
    await client.send(request);
    await client.send(request);
    await waitUntil(
      async () => (await client.waitForAnswers(['twice-1'])).get('twice-1')!.length === 2,
    );
    await client.send(request);
    await waitUntil(
      async () => (await client.waitForAnswers(['twice-1'])).get('twice-1')!.length === 3,
    );
    const answers = (await client.waitForAnswers(['twice-1'])).get('twice-1')!;
    expect(executions).toHaveBeenCalledTimes(1);
    expect(answers[1].payload).toEqual(answers[0].payload);
    expect(answers[2].payload).toEqual(answers[0].payload);
  });

  it('acknowledges and removes answered entries, and trims the response stream', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `trim-${i}`);
    const pipeline = client.redis.pipeline();
    for (const id of ids) {
      pipeline.xadd(
        client.streams.requests,
        '*',
        'payload',
        JSON.stringify({ id, op: 'list_servers' }),
      );
    }
    await pipeline.exec();
    await waitUntil(
      async () =>
        (await gateway.app.get(QueueService).stats()).pending === 0 &&
        (await client.redis.xlen(client.streams.requests)) === 0,
    );
    // MAXLEN ~ 100 drops whole stream nodes, so some but not all of the 250 answers are gone.
    expect(await client.redis.xlen(client.streams.responses)).toBeLessThan(250);
    expect(await gateway.app.get(QueueService).stats()).toMatchObject({ pending: 0, waiting: 0 });
  });
});

describe('the queue concurrency bound', () => {
  it('runs at most QUEUE_CONCURRENCY requests at once in one process', async () => {
    const url = await testRedisUrl();
    const streams = uniqueStreams('queue-bound');
    const client = new QueueTestClient(url, streams);
    const gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: queueEnv(url, streams, { QUEUE_CONCURRENCY: '2' }),
    });
    try {
      const tools = gateway.app.get(ToolsService);
      const execute = tools.execute.bind(tools);
      let running = 0;
      let mostRunning = 0;
      jest.spyOn(tools, 'execute').mockImplementation(async (...args) => {
        mostRunning = Math.max(mostRunning, ++running);
        try {
          return await execute(...args);
        } finally {
          running--;
        }
      });
      const ids = Array.from({ length: 6 }, (_, i) => `bound-${i}`);
      for (const id of ids) {
        await client.send({
          id,
          op: 'execute',
          tool_name: 'demo__echo',
          args: { message: id, delay_ms: 300 },
        });
      }
      const answers = await client.waitForAnswers(ids);
      expect([...answers.values()].every((a) => a.length === 1 && a[0].payload.ok)).toBe(true);
      expect(mostRunning).toBe(2);
    } finally {
      await gateway.close();
      await client.cleanUp();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('QUEUE_ENABLED=false', () => {
  it('leaves the queue alone: a gateway using Redis for sessions only takes no work', async () => {
    const url = await testRedisUrl();
    const streams = uniqueStreams('queue-off');
    const client = new QueueTestClient(url, streams);
    const off = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: queueEnv(url, streams, { QUEUE_ENABLED: 'false' }),
    });
    try {
      await client.send({ id: 'not-mine', op: 'list_tools' });
      // Sessions still use Redis.
      expect((await off.post('/sessions/create', {})).status).toBe(201);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await client.answers()).toEqual([]);
      expect(await client.redis.xlen(streams.requests)).toBe(1);
      // No consumer group was joined or made.
      const groups = (await client.redis.xinfo('GROUPS', streams.requests)) as unknown[];
      expect(groups).toEqual([]);
    } finally {
      await off.close();
      await client.cleanUp();
    }
  });
});

describe('the queue door’s log', () => {
  let gateway: TestGateway;
  let client: QueueTestClient;
  const logged: { message: unknown; context?: string }[] = [];
  let spy: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    const url = await testRedisUrl();
    const streams = uniqueStreams('queue-log');
    client = new QueueTestClient(url, streams);
    spy = jest
      .spyOn(PinoLoggerService.prototype, 'log')
      .mockImplementation((message: unknown, context?: string) => {
        logged.push({ message, context });
      });
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { ...queueEnv(url, streams), LOG_LEVEL: 'info' },
    });
  });

  afterAll(async () => {
    spy?.mockRestore();
    await gateway?.close();
    await client?.cleanUp();
  });

  it('has one line per request, with its id, op, tool, outcome, code and time, never its arguments', async () => {
    const secret = 'queue-argument-9c41d7';
    await client.send({
      id: 'log-ok',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: secret },
    });
    await client.send({ id: 'log-missing', op: 'execute', tool_name: 'demo__nope' });
    await client.send({ id: 'log-list', op: 'list_tools' });
    await client.waitForAnswers(['log-ok', 'log-missing', 'log-list']);
    const lines = logged
      .filter((l) => l.context === 'Queue')
      .map((l) => l.message as Record<string, unknown>);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: expect.stringMatching(/^execute demo__echo ok [\d.]+ms$/),
          id: 'log-ok',
          op: 'execute',
          tool_name: 'demo__echo',
          outcome: 'ok',
          took_ms: expect.any(Number),
        }),
        expect.objectContaining({
          id: 'log-missing',
          tool_name: 'demo__nope',
          outcome: 'error',
          code: 'TOOL_NOT_FOUND',
        }),
        expect.objectContaining({ id: 'log-list', op: 'list_tools', outcome: 'ok' }),
      ]),
    );
    expect(lines.filter((l) => l.id === 'log-ok')).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toContain(secret);
  });

  it('keeps a tool name holding a line break on its one line (no forged log lines)', async () => {
    await client.send({ id: 'log-forge', op: 'execute', tool_name: 'x\nFAKE 200 OK' });
    await client.waitForAnswers(['log-forge']);
    const line = logged
      .filter((l) => l.context === 'Queue')
      .map((l) => l.message as Record<string, unknown>)
      .find((l) => l.id === 'log-forge');
    expect(line?.msg).toMatch(/^execute x\\nFAKE 200 OK error /);
  });
});
