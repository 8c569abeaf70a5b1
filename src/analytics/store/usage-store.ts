import type { UsageSample, UsageTotals } from '../usage-cells.js';
import type { BucketPlan } from '../time-buckets.js';

/** A search's query text, kept only when ANALYTICS_STORE_QUERIES=true. */
export interface RecentQuery {
  at: number;
  query: string;
  strategy: string;
  result_count: number;
  door: string;
}

export interface UsageSnapshot {
  totals: UsageTotals;
  /** Newest first, at most RECENT_QUERIES_KEPT. */
  queries: RecentQuery[];
}

export const RECENT_QUERIES_KEPT = 50;

/**
 * Where usage aggregates live: in this process's memory, or in Redis so that every replica
 * adds to the same figures. `add` is on the hot path of every tool call: it must be O(1),
 * synchronous and must never throw; a store that writes remotely batches in the background.
 */
export abstract class UsageStore {
  abstract readonly kind: 'memory' | 'redis';
  abstract add(sample: UsageSample): void;
  abstract addQuery(query: RecentQuery): void;
  /** The sum of the planned buckets, and the recent queries. */
  abstract read(plan: BucketPlan): Promise<UsageSnapshot>;
  /**
   * Writes what is still batched (at shutdown, before a read). False when some of it could
   * not be written (it is kept for the next flush); never throws.
   */
  abstract flush(): Promise<boolean>;
  /** Stops background work (timers); the app is shutting down. */
  abstract close(): void;
}
