import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { startOwnRedis, type OwnRedis } from './helpers/queue-redis-server.js';
import { queueEnv, QueueTestClient, uniqueStreams } from './helpers/queue-redis.js';

describe('the queue across Redis outages', () => {
  let redis: OwnRedis;
  let gateway: TestGateway;
  let client: QueueTestClient;

  beforeAll(async () => {
    redis = await startOwnRedis();
    const streams = uniqueStreams('queue-outage');
    client = new QueueTestClient(redis.url, streams);
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: queueEnv(redis.url, streams, {
        QUEUE_CONCURRENCY: '4',
        QUEUE_VISIBILITY_TIMEOUT_MS: '1000',
        QUEUE_MAX_ATTEMPTS: '10',
      }),
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await client?.cleanUp().catch(() => undefined);
    await redis?.destroy();
  });

  /** Sends `count` echo requests that take a while, so some are running when Redis goes. */
  async function sendBatch(label: string, count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `${label}-${i}`);
    for (const id of ids) {
      await client.send({
        id,
        op: 'execute',
        tool_name: 'demo__echo',
        args: { message: id, delay_ms: 400 },
      });
    }
    return ids;
  }

  async function someRunning(): Promise<void> {
    while (
      ((await client.redis.xpending(client.streams.requests, 'mcp-gateway')) as [number])[0] === 0
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Every id answered, and after time for a wrongful redelivery, still exactly once. */
  async function expectEachAnsweredOnce(ids: string[]): Promise<void> {
    await client.waitForAnswers(ids, 40_000);
    await new Promise((r) => setTimeout(r, 2500));
    const answers = await client.waitForAnswers(ids);
    for (const id of ids) {
      expect({
        id,
        texts: answers.get(id)!.map((a) => a.payload.result?.result?.content?.[0]?.text),
      }).toEqual({
        id,
        texts: [id],
      });
    }
  }

  it('resumes after every connection is dropped (CLIENT KILL), losing and repeating nothing', async () => {
    const before = await sendBatch('drop-before', 8);
    await someRunning();
    const admin = new Redis(redis.url);
    const killed = await admin.client('KILL', 'TYPE', 'normal');
    await admin.quit();
    expect(Number(killed)).toBeGreaterThanOrEqual(2);
    const after = await sendBatch('drop-after', 8);
    await expectEachAnsweredOnce([...before, ...after]);
  });

  it('resumes after Redis crashes and restarts, losing and repeating nothing', async () => {
    const before = await sendBatch('restart-before', 8);
    await someRunning();
    await redis.crash();
    await new Promise((r) => setTimeout(r, 500));
    await redis.start();
    const after = await sendBatch('restart-after', 8);
    await expectEachAnsweredOnce([...before, ...after]);
  });
});
