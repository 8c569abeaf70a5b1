import {
  CELL_SIZE,
  DIMENSIONS,
  emptyUsageTotals,
  incrementsOf,
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
  type BucketPlan,
} from '../time-buckets.js';
import {
  RECENT_QUERIES_KEPT,
  UsageStore,
  type RecentQuery,
  type UsageSnapshot,
} from './usage-store.js';

/** Slot after the counters and histogram: ms into the bucket of the key's last record. */
const LAST_OFFSET = CELL_SIZE;

type Bucket = Map<Dimension, Map<string, Uint32Array>>;

/** One tier of buckets (minutes or hours), the oldest dropped as new ones open. */
class Tier {
  readonly buckets = new Map<number, Bucket>();

  constructor(
    private readonly spanMs: number,
    private readonly kept: number,
  ) {}

  add(index: number, sample: UsageSample, increments: Array<[number, number]>): void {
    let bucket = this.buckets.get(index);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(index, bucket);
      // Only when a bucket opens (once a minute at most), so the hot path stays O(1).
      for (const old of this.buckets.keys()) if (old <= index - this.kept) this.buckets.delete(old);
    }
    const offset = sample.at - index * this.spanMs;
    for (const dimension of DIMENSIONS) {
      const key = sample.keys[dimension];
      if (key === undefined) continue;
      let byKey = bucket.get(dimension);
      if (!byKey) {
        byKey = new Map();
        bucket.set(dimension, byKey);
      }
      let cell = byKey.get(key);
      if (!cell) {
        cell = new Uint32Array(CELL_SIZE + 1);
        byKey.set(key, cell);
      }
      for (const [slot, amount] of increments) cell[slot] += amount;
      if (offset > cell[LAST_OFFSET]) cell[LAST_OFFSET] = offset;
    }
  }

  sumInto(snapshot: UsageSnapshot, indexes: number[]): void {
    for (const index of indexes) {
      const bucket = this.buckets.get(index);
      if (!bucket) continue;
      for (const [dimension, byKey] of bucket) {
        for (const [key, cell] of byKey) {
          const totals = totalsFor(snapshot.totals, dimension, key);
          for (let i = 0; i < CELL_SIZE; i++) totals.cell[i] += cell[i];
          const last = index * this.spanMs + cell[LAST_OFFSET];
          if (last > totals.lastUsed) totals.lastUsed = last;
        }
      }
    }
  }

  cellCount(): number {
    let count = 0;
    for (const bucket of this.buckets.values()) {
      for (const byKey of bucket.values()) count += byKey.size;
    }
    return count;
  }
}

/**
 * Aggregates in this process only: the default without Redis. Its size is bounded by
 * (MINUTES_KEPT + HOURS_KEPT) buckets x the keys the recorder admits, whatever the traffic.
 */
export class MemoryUsageStore extends UsageStore {
  readonly kind = 'memory';
  private readonly minutes = new Tier(MINUTE_MS, MINUTES_KEPT);
  private readonly hours = new Tier(HOUR_MS, HOURS_KEPT);
  private readonly queries: RecentQuery[] = [];

  add(sample: UsageSample): void {
    const increments = incrementsOf(sample);
    this.minutes.add(minuteOf(sample.at), sample, increments);
    this.hours.add(hourOf(sample.at), sample, increments);
  }

  addQuery(query: RecentQuery): void {
    this.queries.unshift(query);
    if (this.queries.length > RECENT_QUERIES_KEPT) this.queries.pop();
  }

  read(plan: BucketPlan): Promise<UsageSnapshot> {
    const snapshot: UsageSnapshot = {
      totals: emptyUsageTotals(),
      queries: this.queries.filter((q) => q.at >= plan.from),
    };
    this.minutes.sumInto(snapshot, plan.minutes);
    this.hours.sumInto(snapshot, plan.hours);
    return Promise.resolve(snapshot);
  }

  /** Nothing waits here: every record is in place as soon as it is added. */
  flush(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): void {}

  /** How many aggregates are held: what the memory bound is about (tests, diagnostics). */
  cellCount(): number {
    return this.minutes.cellCount() + this.hours.cellCount();
  }

  bucketCount(): number {
    return this.minutes.buckets.size + this.hours.buckets.size;
  }
}
