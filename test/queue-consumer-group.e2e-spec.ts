import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { validateEnv } from '../src/config/env.schema.js';
import { GatewayConfig } from '../src/config/gateway-config.js';
import { ConsumerGroup } from '../src/queue/redis-streams/consumer-group.js';
import { QueueTestClient, uniqueStreams } from './helpers/queue-redis.js';
import { testRedisUrl } from './helpers/redis.js';

/**
 * The Redis steps of the queue, one by one, in the situations an outage creates: a script
 * run twice because its reply was lost, an entry abandoned by a dead consumer.
 */
describe('ConsumerGroup on a real Redis', () => {
  const streams = uniqueStreams('queue-group');
  let client: QueueTestClient;
  let commands: Redis;
  let reader: Redis;

  const settings = new GatewayConfig(
    validateEnv({
      QUEUE_REQUEST_STREAM: streams.requests,
      QUEUE_RESPONSE_STREAM: streams.responses,
      QUEUE_VISIBILITY_TIMEOUT_MS: '1000',
    }),
  ).queue;
  const keys = {
    done: (id: string) => `${streams.prefix}done:${id}`,
    running: (id: string) => `${streams.prefix}running:${id}`,
  };
  const consumer = (name: string) => new ConsumerGroup({ commands, reader }, settings, keys, name);

  beforeAll(async () => {
    const url = await testRedisUrl();
    client = new QueueTestClient(url, streams);
    commands = new Redis(url);
    reader = new Redis(url);
    await consumer('setup').ensure();
    await consumer('setup').ensure(); // a second gateway finds the group there: no error
  });

  afterAll(async () => {
    await Promise.all([commands?.quit(), reader?.quit()]);
    await client?.cleanUp();
  });

  async function deliverOne(group: ConsumerGroup, id: string) {
    const entryId = await client.send({ id, op: 'list_tools' });
    const [entry] = await group.readNew(1, 1000);
    expect(entry).toEqual({
      id: entryId,
      fields: { payload: JSON.stringify({ id, op: 'list_tools' }) },
    });
    return entry;
  }

  it('writes a response once even when the write is repeated after a lost reply', async () => {
    const group = consumer('a');
    const entry = await deliverOne(group, 'p1');
    expect(await group.begin('p1', entry.id)).toEqual({ kind: 'run' });
    expect(await group.publish(entry.id, 'p1', '{"id":"p1","ok":true}', true)).toBe(true);
    expect(await group.publish(entry.id, 'p1', '{"id":"p1","ok":true}', true)).toBe(false);
    expect((await client.answers()).filter((a) => a.id === 'p1')).toHaveLength(1);
    expect(await client.redis.xlen(streams.requests)).toBe(0);
    expect(await commands.exists(keys.running('p1'))).toBe(0);
    expect(await group.begin('p1', 'another-entry')).toEqual({
      kind: 'done',
      payload: '{"id":"p1","ok":true}',
    });
  });

  it('tells a duplicate entry that the id is running under another entry', async () => {
    const group = consumer('a');
    const first = await deliverOne(group, 'd1');
    const second = await deliverOne(group, 'd1');
    expect(await group.begin('d1', first.id)).toEqual({ kind: 'run' });
    expect(await group.begin('d1', second.id)).toEqual({ kind: 'busy' });
    // The same entry again (redelivered after its consumer died) may take over.
    expect(await group.begin('d1', first.id)).toEqual({ kind: 'run' });
    await group.publish(first.id, 'd1', '{"id":"d1"}', true);
    await group.publish(second.id, 'd1', '{"id":"d1"}', false);
  });

  it('reclaims an abandoned entry after the visibility timeout, but not one kept alive', async () => {
    const dead = consumer('dead');
    const alive = consumer('alive');
    const abandoned = await deliverOne(dead, 'r1');
    const kept = await deliverOne(alive, 'r2');
    const rescuer = consumer('rescuer');
    expect((await rescuer.reclaim(10, '0-0')).claimed).toEqual([]);
    await new Promise((r) => setTimeout(r, 800));
    await alive.keepAlive(kept.id, undefined);
    await new Promise((r) => setTimeout(r, 300));
    const { claimed } = await rescuer.reclaim(10, '0-0');
    expect(claimed).toEqual([{ entry: abandoned, deliveries: 2 }]);
    expect(await rescuer.deadLetter(abandoned, 'test', 2)).toBe(true);
    expect(await rescuer.deadLetter(abandoned, 'test', 2)).toBe(false);
    await alive.publish(kept.id, 'r2', '{"id":"r2"}', true);
    expect(await alive.counts()).toEqual({ pending: 0, waiting: 0, deadLetters: 1 });
  });

  it('leaves the group only with nothing pending', async () => {
    const group = consumer('leaver');
    const entry = await deliverOne(group, 'l1');
    await group.leave();
    const names = async () =>
      (
        (await commands.call('XINFO', 'CONSUMERS', streams.requests, 'mcp-gateway')) as string[][]
      ).map((row) => row[1]);
    expect(await names()).toContain('leaver');
    await group.publish(entry.id, 'l1', '{"id":"l1"}', true);
    await group.leave();
    expect(await names()).not.toContain('leaver');
  });

  it('forgets consumers silent for long that hold nothing, never one holding an entry', async () => {
    const holder = consumer('died-holding');
    const held = await deliverOne(holder, 'f1');
    const idle = consumer('died-idle');
    const answered = await deliverOne(idle, 'f2');
    await idle.publish(answered.id, 'f2', '{"id":"f2"}', true);
    const alive = consumer('alive');
    await new Promise((r) => setTimeout(r, 100));

    // Earlier tests' consumers, silent and empty too, go with it.
    const forgotten = await alive.forgetSilentConsumers(50);
    expect(forgotten).toContain('died-idle');
    expect(forgotten).not.toContain('died-holding');
    const names = (
      (await commands.call('XINFO', 'CONSUMERS', streams.requests, 'mcp-gateway')) as string[][]
    ).map((row) => row[1]);
    expect(names).toContain('died-holding');
    expect(names).not.toContain('died-idle');
    await holder.publish(held.id, 'f1', '{"id":"f1"}', true);
  });

  it('keeps the start of a huge entry in its dead letter, saying how long it was', async () => {
    const group = consumer('dead-letterer');
    const entryId = await client.send(`{${'y'.repeat(200_000)}`);
    const [entry] = await group.readNew(1, 1000);
    expect(entry.id).toBe(entryId);
    await group.deadLetter(entry, 'not JSON', 1);
    const dead = (await client.deadLetters()).find((d) => d.source_id === entryId)!;
    expect(dead.fields.length).toBeLessThan(70_000);
    expect(dead.fields).toMatch(/^\{"payload":"\{y+… \[cut: 200015 characters in all\]$/);
  });
});
