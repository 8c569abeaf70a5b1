import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export interface QueueStreams {
  requests: string;
  responses: string;
  dead: string;
  /** REDIS_KEY_PREFIX of the gateways under test (idempotency records and marks). */
  prefix: string;
}

export interface QueueAnswer {
  entryId: string;
  id: string;
  payload: any;
}

/** Stream names and a key prefix no other test uses. */
export function uniqueStreams(label: string): QueueStreams {
  const base = `test:${label}:${randomUUID().slice(0, 8)}`;
  return {
    requests: `${base}:requests`,
    responses: `${base}:responses`,
    dead: `${base}:requests:dead`,
    prefix: `${base}:keys:`,
  };
}

/** The environment that points a gateway at these streams. */
export function queueEnv(
  url: string,
  streams: QueueStreams,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_URL: url,
    REDIS_KEY_PREFIX: streams.prefix,
    QUEUE_REQUEST_STREAM: streams.requests,
    QUEUE_RESPONSE_STREAM: streams.responses,
    ...extra,
  };
}

/** A producer and observer of the queue streams, as a client of the gateway would be. */
export class QueueTestClient {
  readonly redis: Redis;

  constructor(
    url: string,
    readonly streams: QueueStreams,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: null });
    this.redis.on('error', () => undefined);
  }

  /** XADD of one request; a string is sent as the raw `payload` field. */
  async send(payload: unknown): Promise<string> {
    const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return (await this.redis.xadd(this.streams.requests, '*', 'payload', raw)) as string;
  }

  async answers(): Promise<QueueAnswer[]> {
    const rows = await this.redis.xrange(this.streams.responses, '-', '+');
    return rows.map(([entryId, fields]) => {
      const get = (name: string) => fields[fields.indexOf(name) + 1];
      return { entryId, id: get('id'), payload: JSON.parse(get('payload')) };
    });
  }

  /** Waits until every id has at least one answer; returns all answers of those ids. */
  async waitForAnswers(ids: string[], timeoutMs = 20_000): Promise<Map<string, QueueAnswer[]>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const byId = new Map<string, QueueAnswer[]>(ids.map((id) => [id, []]));
      for (const answer of await this.answers()) byId.get(answer.id)?.push(answer);
      const missing = ids.filter((id) => byId.get(id)!.length === 0);
      if (missing.length === 0) return byId;
      if (Date.now() > deadline) {
        throw new Error(`no answer within ${timeoutMs} ms for: ${missing.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async answerOf(id: string, timeoutMs?: number): Promise<any> {
    const [answer] = (await this.waitForAnswers([id], timeoutMs)).get(id)!;
    return answer.payload;
  }

  async deadLetters(): Promise<Record<string, string>[]> {
    const rows = await this.redis.xrange(this.streams.dead, '-', '+');
    return rows.map(([, fields]) => {
      const record: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1];
      return record;
    });
  }

  /** Deletes the streams and every key under the prefix, then disconnects. */
  async cleanUp(): Promise<void> {
    const { requests, responses, dead, prefix } = this.streams;
    const keys = [requests, responses, dead];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    await this.redis.del(...keys);
    await this.redis.quit();
  }
}
