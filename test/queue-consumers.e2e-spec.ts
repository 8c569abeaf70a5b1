import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ToolsService } from '../src/tools/tools.service.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { startGatewayChild, type GatewayChild } from './helpers/queue-gateway-process.js';
import {
  queueEnv,
  QueueTestClient,
  uniqueStreams,
  type QueueStreams,
} from './helpers/queue-redis.js';
import { testRedisUrl } from './helpers/redis.js';

const servers = { demo: demoStdioSpec() };
const fastReclaim = { QUEUE_VISIBILITY_TIMEOUT_MS: '1000' };

describe('several consumers in one group', () => {
  const gateways: TestGateway[] = [];
  const children: GatewayChild[] = [];
  let client: QueueTestClient | undefined;

  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.crash()));
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await client?.cleanUp();
    client = undefined;
  });

  async function setUp(label: string): Promise<{ url: string; streams: QueueStreams }> {
    const url = await testRedisUrl();
    const streams = uniqueStreams(label);
    client = new QueueTestClient(url, streams);
    return { url, streams };
  }

  /** Resolves once `count` entries are delivered and not yet acknowledged. */
  async function pendingReaches(count: number): Promise<void> {
    for (;;) {
      const [pending] = (await client!.redis.xpending(client!.streams.requests, 'mcp-gateway')) as [
        number,
      ];
      if (pending >= count) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends one slow echo and waits until a consumer has taken it; returns its entry id. */
  async function sendSlowEcho(id: string, message: string, delayMs: number): Promise<string> {
    const entryId = await client!.send({
      id,
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message, delay_ms: delayMs },
    });
    await pendingReaches(1);
    return entryId;
  }

  it('share a burst, every request answered exactly once', async () => {
    const { url, streams } = await setUp('queue-burst');
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const gateway = await startGateway({
        servers,
        env: queueEnv(url, streams, { QUEUE_CONCURRENCY: '4', ...fastReclaim }),
      });
      gateways.push(gateway);
      counts.push(0);
      const tools = gateway.app.get(ToolsService);
      const execute = tools.execute.bind(tools);
      jest.spyOn(tools, 'execute').mockImplementation((...args) => {
        counts[i]++;
        return execute(...args);
      });
    }
    const ids = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    const pipeline = client!.redis.pipeline();
    for (const id of ids) {
      const payload = {
        id,
        op: 'execute',
        tool_name: 'demo__echo',
        args: { message: id, delay_ms: 50 },
      };
      pipeline.xadd(streams.requests, '*', 'payload', JSON.stringify(payload));
    }
    await pipeline.exec();
    await client!.waitForAnswers(ids);
    // Long enough for a wrongful reclaim (visibility timeout 1 s) to produce a second answer.
    await new Promise((r) => setTimeout(r, 2000));
    const answers = await client!.waitForAnswers(ids);
    for (const id of ids) {
      expect(answers.get(id)!.map((a) => a.payload.result.result.content[0].text)).toEqual([id]);
    }
    expect(counts[0] + counts[1]).toBe(40);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('answer a request whose consumer was killed mid-request (kill -9), once', async () => {
    const { url, streams } = await setUp('queue-crash');
    const doomed = await startGatewayChild(servers, queueEnv(url, streams, fastReclaim));
    children.push(doomed);
    await sendSlowEcho('crash-1', 'survived', 1500);
    await doomed.crash();
    const survivor = await startGateway({ servers, env: queueEnv(url, streams, fastReclaim) });
    gateways.push(survivor);
    const answer = await client!.answerOf('crash-1');
    expect(answer).toMatchObject({
      ok: true,
      result: { result: { content: [{ text: 'survived' }] } },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await client!.waitForAnswers(['crash-1'])).get('crash-1')).toHaveLength(1);
    expect(await client!.deadLetters()).toEqual([]);
  });

  it('let a duplicate wait for the running original as long as it runs, without a slot', async () => {
    const { url, streams } = await setUp('queue-duplicate');
    // Before, a duplicate waited one visibility timeout holding a slot, was left pending,
    // reclaimed, and dead-lettered with an INTERNAL answer once past QUEUE_MAX_ATTEMPTS.
    const env = queueEnv(url, streams, {
      ...fastReclaim,
      QUEUE_MAX_ATTEMPTS: '1',
      QUEUE_CONCURRENCY: '2',
    });
    const gateway = await startGateway({ servers, env });
    gateways.push(gateway);
    const executions = jest.spyOn(gateway.app.get(ToolsService), 'execute');
    const original = {
      id: 'dup-1',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 'original', delay_ms: 4000 },
    };
    await client!.send(original);
    await pendingReaches(1);
    for (let i = 0; i < 3; i++) await client!.send(original);
    await client!.send({ id: 'fresh', op: 'list_servers' });

    const answers = await client!.waitForAnswers(['dup-1', 'fresh']);
    // The one free slot served the fresh request while the original and its copies waited.
    expect(answers.get('fresh')![0].payload.ok).toBe(true);
    await waitUntilAnswered(client!, 'dup-1', 4);
    const copies = (await client!.waitForAnswers(['dup-1'])).get('dup-1')!;
    expect(copies.map((c) => c.payload)).toEqual(Array(4).fill(copies[0].payload));
    expect(copies[0].payload).toMatchObject({ ok: true });
    expect(answers.get('fresh')![0].entryId < copies[0].entryId).toBe(true);
    expect(executions).toHaveBeenCalledTimes(1);
    expect(await client!.deadLetters()).toEqual([]);
  });

  it('leave a request still running after the shutdown grace to another consumer', async () => {
    const { url, streams } = await setUp('queue-shutdown');
    const env = queueEnv(url, streams, { ...fastReclaim, SHUTDOWN_GRACE_MS: '300' });
    const stopping = await startGateway({ servers, env });
    await sendSlowEcho('cut-1', 'ran elsewhere', 2500);
    // Closing ends the demo server under the call: before, its error was the published answer.
    await stopping.close();
    const survivor = await startGateway({ servers, env });
    gateways.push(survivor);
    expect(await client!.answerOf('cut-1')).toMatchObject({
      ok: true,
      result: { result: { content: [{ text: 'ran elsewhere' }] } },
    });
    expect((await client!.waitForAnswers(['cut-1'])).get('cut-1')).toHaveLength(1);
  });

  it('give up on a request after QUEUE_MAX_ATTEMPTS deliveries: dead letter plus an error answer', async () => {
    const { url, streams } = await setUp('queue-attempts');
    const env = queueEnv(url, streams, { ...fastReclaim, QUEUE_MAX_ATTEMPTS: '1' });
    const doomed = await startGatewayChild(servers, env);
    children.push(doomed);
    const entryId = await sendSlowEcho('poison-ish', 'kills its consumer', 60_000);
    await doomed.crash();
    const survivor = await startGateway({ servers, env });
    gateways.push(survivor);
    const executions = jest.spyOn(survivor.app.get(ToolsService), 'execute');
    const answer = await client!.answerOf('poison-ish');
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('Gave up after 1 deliveries') },
    });
    expect(executions).not.toHaveBeenCalled();
    const [dead] = await client!.deadLetters();
    expect(dead).toMatchObject({ source_id: entryId, deliveries: '2' });
    expect(JSON.parse(dead.fields).payload).toContain('kills its consumer');
    await client!.send({ id: 'next', op: 'list_servers' });
    expect((await client!.answerOf('next')).ok).toBe(true);
  });
});

async function waitUntilAnswered(client: QueueTestClient, id: string, times: number) {
  for (;;) {
    if ((await client.waitForAnswers([id])).get(id)!.length >= times) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
