import type { Redis } from 'ioredis';
import { errorMessage } from '../../common/errors/error-message.js';
import type { QueueSettings } from '../../config/gateway-config.js';
import { BEGIN, DEAD_LETTER, KEEP_ALIVE, REMOVE_CONSUMER, PUBLISH } from './queue-scripts.js';
import {
  autoClaimReply,
  flatRecord,
  readGroupEntries,
  type StreamEntry,
} from './stream-replies.js';

/** A dead letter keeps this much of the entry's fields: enough to see what it was. */
const DEAD_LETTER_FIELDS_MAX = 64 * 1024;

/** Every gateway process joins this group on the request stream, as its own consumer. */
export const CONSUMER_GROUP = 'mcp-gateway';

export type BeginOutcome = { kind: 'run' } | { kind: 'busy' } | { kind: 'done'; payload: string };

export interface GroupConnections {
  /** Non-blocking commands and scripts. */
  commands: Redis;
  /** XREADGROUP BLOCK only, so a blocked read never delays a response. */
  reader: Redis;
}

export interface GroupKeys {
  /** Holds the response of an answered request id for QUEUE_IDEMPOTENCY_TTL_SECONDS. */
  done(requestId: string): string;
  /** Marks the entry running a request id, so a duplicate entry waits instead of running. */
  running(requestId: string): string;
}

/** The Redis commands of one consumer in the gateway's consumer group. */
export class ConsumerGroup {
  constructor(
    private readonly redis: GroupConnections,
    private readonly settings: QueueSettings,
    private readonly keys: GroupKeys,
    readonly consumer: string,
  ) {}

  /**
   * Creates the group (and the stream) unless it exists. It starts at the beginning of the
   * stream, so requests written before any gateway ran are served too.
   */
  async ensure(): Promise<void> {
    try {
      await this.redis.commands.call(
        'XGROUP',
        'CREATE',
        this.settings.requestStream,
        CONSUMER_GROUP,
        '0',
        'MKSTREAM',
      );
    } catch (error) {
      if (!errorMessage(error).startsWith('BUSYGROUP')) throw error;
    }
  }

  async readNew(count: number, blockMs: number): Promise<StreamEntry[]> {
    const reply = await this.redis.reader.call(
      'XREADGROUP',
      'GROUP',
      CONSUMER_GROUP,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.settings.requestStream,
      '>',
    );
    return readGroupEntries(reply);
  }

  /**
   * Takes over entries left pending longer than the visibility timeout (their consumer died
   * or lost Redis), with how many times each has now been delivered.
   */
  async reclaim(
    count: number,
    cursor: string,
  ): Promise<{ cursor: string; claimed: { entry: StreamEntry; deliveries: number }[] }> {
    const reply = autoClaimReply(
      await this.redis.commands.call(
        'XAUTOCLAIM',
        this.settings.requestStream,
        CONSUMER_GROUP,
        this.consumer,
        this.settings.visibilityTimeoutMs,
        cursor,
        'COUNT',
        count,
      ),
    );
    const claimed = await Promise.all(
      reply.entries.map(async (entry) => ({ entry, deliveries: await this.deliveries(entry.id) })),
    );
    // Not pending any more: answered by the consumer it was taken from, since the claim.
    const stillPending = claimed.filter(
      (c): c is { entry: StreamEntry; deliveries: number } => c.deliveries !== undefined,
    );
    return { cursor: reply.cursor, claimed: stillPending };
  }

  async keepAlive(entryId: string, requestId: string | undefined): Promise<void> {
    await KEEP_ALIVE.run(
      this.redis.commands,
      [this.settings.requestStream, this.keys.running(requestId ?? '')],
      [CONSUMER_GROUP, this.consumer, entryId, this.settings.visibilityTimeoutMs],
    );
  }

  async begin(requestId: string, entryId: string): Promise<BeginOutcome> {
    const reply = (await BEGIN.run(
      this.redis.commands,
      [this.keys.done(requestId), this.keys.running(requestId)],
      [entryId, this.settings.visibilityTimeoutMs],
    )) as [string, string?];
    if (reply[0] === 'done') return { kind: 'done', payload: reply[1] ?? '' };
    return { kind: reply[0] === 'busy' ? 'busy' : 'run' };
  }

  /** Whether an entry holds the running mark of a request id that has no answer yet. */
  async isRunning(requestId: string): Promise<boolean> {
    const [done, running] = await this.redis.commands.mget(
      this.keys.done(requestId),
      this.keys.running(requestId),
    );
    return done === null && running !== null;
  }

  /** Writes a response and settles its entry; false if the entry was settled already. */
  async publish(
    entryId: string,
    requestId: string,
    payload: string,
    firstAnswer: boolean,
  ): Promise<boolean> {
    const s = this.settings;
    const written = await PUBLISH.run(
      this.redis.commands,
      [s.requestStream, s.responseStream, this.keys.done(requestId), this.keys.running(requestId)],
      [
        CONSUMER_GROUP,
        entryId,
        requestId,
        payload,
        s.responseMaxLen,
        s.idempotencyTtlSeconds,
        firstAnswer ? '1' : '0',
      ],
    );
    return written === 1;
  }

  /** Dead-letters an entry, writing `answers` too: one per usable request id it carries. */
  async deadLetter(
    entry: StreamEntry,
    reason: string,
    deliveries: number,
    answers: { requestId: string; payload: string }[] = [],
  ): Promise<boolean> {
    const s = this.settings;
    const fields = {
      reason,
      source_id: entry.id,
      deliveries: String(deliveries),
      consumer: this.consumer,
      // Every value of a repeated field, so nothing of the entry is lost with it.
      fields: cutDown(JSON.stringify({ ...entry.fields, ...entry.repeated })),
    };
    const written = await DEAD_LETTER.run(
      this.redis.commands,
      [
        s.requestStream,
        s.deadLetterStream,
        s.responseStream,
        ...answers.map((a) => this.keys.done(a.requestId)),
      ],
      [
        CONSUMER_GROUP,
        entry.id,
        s.responseMaxLen,
        s.idempotencyTtlSeconds,
        answers.length,
        ...answers.flatMap((a) => [a.requestId, a.payload]),
        ...Object.entries(fields).flat(),
      ],
    );
    return written === 1;
  }

  /** Leaves the group at shutdown unless entries are still pending for this consumer. */
  async leave(): Promise<void> {
    await this.remove(this.consumer);
  }

  /** Removes other consumers silent for `idleMs` that hold no entry; returns their names. */
  async forgetSilentConsumers(idleMs: number): Promise<string[]> {
    const rows = (
      (await this.redis.commands.call(
        'XINFO',
        'CONSUMERS',
        this.settings.requestStream,
        CONSUMER_GROUP,
      )) as unknown[]
    ).map(flatRecord);
    const silent = rows
      .filter((c) => c.name !== this.consumer && Number(c.pending) === 0 && Number(c.idle) > idleMs)
      .map((c) => String(c.name));
    const removed = await Promise.all(silent.map((name) => this.remove(name)));
    return silent.filter((_, i) => removed[i]);
  }

  /** Deletes a consumer, unless it holds pending entries (they would never be reclaimed). */
  private async remove(consumer: string): Promise<boolean> {
    const removed = await REMOVE_CONSUMER.run(
      this.redis.commands,
      [this.settings.requestStream],
      [CONSUMER_GROUP, consumer],
    );
    return removed === 1;
  }

  async counts(): Promise<{ pending: number; waiting: number; deadLetters: number }> {
    const s = this.settings;
    const [groups, deadLetters] = await Promise.all([
      this.redis.commands.call('XINFO', 'GROUPS', s.requestStream).catch(() => []),
      this.redis.commands.xlen(s.deadLetterStream),
    ]);
    const group = (groups as unknown[]).map(flatRecord).find((g) => g.name === CONSUMER_GROUP);
    return {
      pending: Number(group?.pending ?? 0),
      // `lag` is null when Redis cannot tell (after XDEL of entries never read); XLEN minus
      // pending is then the same count, as answered entries are deleted.
      waiting:
        group?.lag === null || group?.lag === undefined
          ? Math.max(
              0,
              (await this.redis.commands.xlen(s.requestStream)) - Number(group?.pending ?? 0),
            )
          : Number(group.lag),
      deadLetters,
    };
  }

  private async deliveries(entryId: string): Promise<number | undefined> {
    const rows = (await this.redis.commands.call(
      'XPENDING',
      this.settings.requestStream,
      CONSUMER_GROUP,
      entryId,
      entryId,
      1,
    )) as [string, string, number, number][];
    return rows[0]?.[3];
  }
}

/** The start of `text`, when it is longer than a dead letter keeps, saying how long it was. */
function cutDown(text: string): string {
  if (text.length <= DEAD_LETTER_FIELDS_MAX) return text;
  return `${text.slice(0, DEAD_LETTER_FIELDS_MAX)}… [cut: ${text.length} characters in all]`;
}
