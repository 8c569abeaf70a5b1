import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { errorMessage } from '../../common/errors/error-message.js';
import {
  CELL_SIZE,
  COUNTER_SLOTS,
  DIMENSION_CODES,
  DIMENSIONS,
  emptyUsageTotals,
  incrementsOf,
  SLOT_FIELDS,
  totalsFor,
  type Dimension,
  type UsageSample,
} from '../usage-cells.js';
import {
  HOUR_MS,
  HOURS_KEPT,
  hourOf,
  MINUTE_MS,
  minuteOf,
  MINUTES_KEPT,
  RETENTION_MS,
  type BucketPlan,
  type Granularity,
} from '../time-buckets.js';
import {
  RECENT_QUERIES_KEPT,
  UsageStore,
  type RecentQuery,
  type UsageSnapshot,
} from './usage-store.js';
import { APPLY_USAGE_BATCH, UsageBatchBuilder, type UsageBatch } from './usage-batch.js';

export interface RedisUsageStoreOptions {
  /** How often batched increments are written. */
  flushEveryMs?: number;
  /**
   * Past this many batched fields and entries (Redis down for long), what is held is dropped,
   * not grown.
   */
  maxPendingFields?: number;
}

const CODE_TO_DIMENSION = new Map(DIMENSIONS.map((d) => [DIMENSION_CODES[d], d]));
const TTL_MS: Record<Granularity, number> = {
  m: (MINUTES_KEPT + 5) * MINUTE_MS,
  h: (HOURS_KEPT + 1) * HOUR_MS,
};
/** A last-used entry outlives the longest window (rounded down to the hour) by a margin. */
const LAST_USED_KEPT_MS = RETENTION_MS + 2 * HOUR_MS;
/**
 * How long Redis remembers the last batch a replica applied. A batch whose reply was lost is
 * sent again within seconds of Redis answering; an hour is far more than that needs.
 */
const MARKER_TTL_MS = HOUR_MS;

/**
 * Aggregates shared by every replica: one hash per minute and per hour, with HINCRBY on
 * fields `<slot>|<dimension>|<key>` (so replicas simply add up) and a TTL just past the
 * bucket's retention. Last use per key is a sorted set per dimension (ZADD GT keeps the
 * latest across replicas), trimmed to the retention.
 *
 * add() only folds the sample into an in-process batch; a timer writes the batch once a second
 * as one script (usage-batch.ts). A batch that fails is kept and sent again, in order, until
 * Redis takes it; Redis skips one it has applied already, so nothing is lost to an outage or
 * counted twice. Redis errors are logged, never thrown at a caller.
 */
export class RedisUsageStore extends UsageStore {
  readonly kind = 'redis';
  private readonly logger = new Logger('Analytics');
  private pending = new Map<string, { granularity: Granularity; fields: Map<string, number> }>();
  private pendingFields = 0;
  private pendingLast = new Map<Dimension, Map<string, number>>();
  private pendingQueries: RecentQuery[] = [];
  /** Built and numbered, not yet acknowledged by Redis: sent first, oldest first. */
  private unsent: UsageBatch[] = [];
  private unsentEntries = 0;
  private sequence = 0;
  /** This process's marker: Redis keeps the last sequence number applied from it. */
  private readonly markerKey: string;
  private inFlight?: Promise<boolean>;
  private readonly timer: NodeJS.Timeout;
  private readonly maxPendingFields: number;
  private lastError = '';

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (...parts: string[]) => string,
    options: RedisUsageStoreOptions = {},
  ) {
    super();
    this.maxPendingFields = options.maxPendingFields ?? 200_000;
    this.markerKey = keyOf('analytics', 'applied', randomUUID());
    this.timer = setInterval(() => this.tick(), options.flushEveryMs ?? 1000);
    this.timer.unref();
  }

  add(sample: UsageSample): void {
    if (this.pendingFields + this.unsentEntries > this.maxPendingFields) {
      this.drop('the batch is full');
    }
    const increments = incrementsOf(sample);
    this.addTo('m', minuteOf(sample.at), sample, increments);
    this.addTo('h', hourOf(sample.at), sample, increments);
    for (const dimension of DIMENSIONS) {
      const key = sample.keys[dimension];
      if (key === undefined) continue;
      let last = this.pendingLast.get(dimension);
      if (!last) {
        last = new Map();
        this.pendingLast.set(dimension, last);
      }
      if ((last.get(key) ?? 0) < sample.at) last.set(key, sample.at);
    }
  }

  addQuery(query: RecentQuery): void {
    this.pendingQueries.unshift(query);
    if (this.pendingQueries.length > RECENT_QUERIES_KEPT) this.pendingQueries.pop();
  }

  /**
   * Writes the batch; a flush already running is awaited, then the rest is written. At most
   * one batch is ever in ioredis's hands; meanwhile new records aggregate here, and add()
   * drops what is held if the outage outlasts maxPendingFields.
   */
  async flush(): Promise<boolean> {
    while (this.inFlight) await this.inFlight;
    const empty = this.pendingFields === 0 && this.pendingLast.size === 0;
    if (empty && this.pendingQueries.length === 0 && this.unsent.length === 0) return true;
    this.inFlight = this.write().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async read(plan: BucketPlan): Promise<UsageSnapshot> {
    // This replica's own latest records are part of the answer.
    await this.flush();
    const hashKeys = [
      ...plan.minutes.map((m) => ({ key: this.keyOf('analytics', 'm', String(m)) })),
      ...plan.hours.map((h) => ({ key: this.keyOf('analytics', 'h', String(h)) })),
    ];
    const read = this.redis.pipeline();
    for (const { key } of hashKeys) read.hgetall(key);
    read.lrange(this.keyOf('analytics', 'queries'), 0, RECENT_QUERIES_KEPT - 1);
    const replies = throwIfFailed(await read.exec());

    const totals = emptyUsageTotals();
    for (let i = 0; i < hashKeys.length; i++) {
      for (const [field, value] of Object.entries(replies[i] as Record<string, string>)) {
        const parsed = parseField(field);
        if (!parsed) continue;
        totalsFor(totals, parsed.dimension, parsed.key).cell[parsed.slot] += Number(value);
      }
    }
    await this.readLastUsed(totals);
    const queries = (replies[hashKeys.length] as string[])
      .map((raw) => JSON.parse(raw) as RecentQuery)
      .filter((q) => q.at >= plan.from);
    return { totals, queries };
  }

  /** The timer's flush: skipped while one is running, so a hung Redis stacks nothing up. */
  private tick(): void {
    if (!this.inFlight) void this.flush();
  }

  /** Stops the timer; call flush() first to keep the batch. */
  close(): void {
    clearInterval(this.timer);
  }

  private addTo(
    granularity: Granularity,
    index: number,
    sample: UsageSample,
    increments: Array<[number, number]>,
  ): void {
    const hashKey = this.keyOf('analytics', granularity, String(index));
    let bucket = this.pending.get(hashKey);
    if (!bucket) {
      bucket = { granularity, fields: new Map() };
      this.pending.set(hashKey, bucket);
    }
    const fields = bucket.fields;
    for (const dimension of DIMENSIONS) {
      const key = sample.keys[dimension];
      if (key === undefined) continue;
      for (const [slot, amount] of increments) {
        const field = `${slotField(slot)}|${DIMENSION_CODES[dimension]}|${key}`;
        const before = fields.get(field);
        if (before === undefined) this.pendingFields++;
        fields.set(field, (before ?? 0) + amount);
      }
    }
  }

  private async write(): Promise<boolean> {
    this.seal();
    try {
      while (this.unsent.length) {
        const batch = this.unsent[0];
        await APPLY_USAGE_BATCH.run(this.redis, batch.keys, batch.args);
        this.unsent.shift();
        this.unsentEntries -= batch.entries;
      }
      this.lastError = '';
      return true;
    } catch (error) {
      this.warn(`could not write usage aggregates to Redis: ${errorMessage(error)}`);
      return false;
    }
  }

  /** Turns what is pending into numbered batches behind the unsent ones. */
  private seal(): void {
    if (this.pendingFields === 0 && this.pendingLast.size === 0 && !this.pendingQueries.length) {
      return;
    }
    const now = Date.now();
    const builder = new UsageBatchBuilder(this.markerKey, () => ++this.sequence, MARKER_TTL_MS);
    for (const [hashKey, { granularity, fields }] of this.pending) {
      builder.hashIncrements(hashKey, TTL_MS[granularity], fields);
    }
    for (const [dimension, byKey] of this.pendingLast) {
      const setKey = this.keyOf('analytics', 'last', DIMENSION_CODES[dimension]);
      builder.latestScores(setKey, LAST_USED_KEPT_MS, now - LAST_USED_KEPT_MS, byKey);
    }
    if (this.pendingQueries.length) {
      const listKey = this.keyOf('analytics', 'queries');
      const oldestFirst = this.pendingQueries.reverse().map((q) => JSON.stringify(q));
      builder.listPush(listKey, RETENTION_MS, RECENT_QUERIES_KEPT, oldestFirst);
    }
    for (const batch of builder.finish()) {
      this.unsent.push(batch);
      this.unsentEntries += batch.entries;
    }
    this.pending = new Map();
    this.pendingLast = new Map();
    this.pendingQueries = [];
    this.pendingFields = 0;
  }

  private async readLastUsed(totals: UsageSnapshot['totals']): Promise<void> {
    const lookups = DIMENSIONS.map((d) => ({ dimension: d, keys: [...totals[d].keys()] })).filter(
      (l) => l.keys.length > 0,
    );
    if (!lookups.length) return;
    const read = this.redis.pipeline();
    for (const { dimension, keys } of lookups) {
      read.zmscore(this.keyOf('analytics', 'last', DIMENSION_CODES[dimension]), ...keys);
    }
    const replies = throwIfFailed(await read.exec());
    lookups.forEach(({ dimension, keys }, i) => {
      const scores = replies[i] as Array<string | null>;
      keys.forEach((key, j) => {
        const score = scores[j];
        if (score !== null) totals[dimension].get(key)!.lastUsed = Number(score);
      });
    });
  }

  private drop(why: string): void {
    const held = this.pendingFields + this.unsentEntries;
    this.warn(`dropped ${held} batched usage fields: ${why} (is Redis reachable?)`);
    this.pending = new Map();
    this.pendingLast = new Map();
    this.pendingFields = 0;
    // The batch being sent, if any, stays: ioredis may have it on the wire already.
    const sending = this.inFlight ? this.unsent.slice(0, 1) : [];
    this.unsent = sending;
    this.unsentEntries = sending.reduce((sum, batch) => sum + batch.entries, 0);
  }

  private warn(message: string): void {
    // Once per distinct message: a Redis outage must not flood the log every second.
    if (message !== this.lastError) this.logger.warn(message);
    this.lastError = message;
  }
}

function slotField(slot: number): string {
  return slot < COUNTER_SLOTS ? SLOT_FIELDS[slot] : `h${slot - COUNTER_SLOTS}`;
}

const FIELD_TO_SLOT = new Map<string, number>(SLOT_FIELDS.map((name, slot) => [name, slot]));

/** `<slot>|<dimension code>|<key>`; the key may itself contain '|'. */
function parseField(
  field: string,
): { slot: number; dimension: Dimension; key: string } | undefined {
  const first = field.indexOf('|');
  const second = field.indexOf('|', first + 1);
  if (first < 0 || second < 0) return undefined;
  const name = field.slice(0, first);
  const dimension = CODE_TO_DIMENSION.get(field.slice(first + 1, second));
  const slot = name.startsWith('h')
    ? COUNTER_SLOTS + Number(name.slice(1))
    : FIELD_TO_SLOT.get(name);
  if (dimension === undefined || slot === undefined) return undefined;
  if (!Number.isInteger(slot) || slot < 0 || slot >= CELL_SIZE) return undefined;
  return { slot, dimension, key: field.slice(second + 1) };
}

function throwIfFailed(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('the pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
