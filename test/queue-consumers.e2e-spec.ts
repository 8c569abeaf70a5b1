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
    await client!.send({
      id: 'crash-1',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 'survived', delay_ms: 1500 },
    });
    await pendingReaches(1);
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

  it('give up on a request after QUEUE_MAX_ATTEMPTS deliveries: dead letter plus an error answer', async () => {
    const { url, streams } = await setUp('queue-attempts');
    const env = queueEnv(url, streams, { ...fastReclaim, QUEUE_MAX_ATTEMPTS: '1' });
    const doomed = await startGatewayChild(servers, env);
    children.push(doomed);
    const entryId = await client!.send({
      id: 'poison-ish',
      op: 'execute',
      tool_name: 'demo__echo',
      args: { message: 'kills its consumer', delay_ms: 60_000 },
    });
    await pendingReaches(1);
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
