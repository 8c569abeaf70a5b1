import type { SessionRecord } from './session-record.js';

export interface SessionLimits {
  total: number;
  /** Live sessions one owner (API key) may hold; records without an owner are not counted. */
  perOwner: number;
}

export type CreateOutcome = 'created' | 'total-limit' | 'owner-limit';

export type TouchedSession = Pick<SessionRecord, 'id' | 'owner' | 'lastActiveAt' | 'expiresAt'>;

/**
 * Where session records live. In memory by default; in Redis when configured, so they
 * survive restarts and every replica sees the same sessions. Expired records are never
 * returned.
 */
export abstract class SessionStore {
  abstract get(id: string): Promise<SessionRecord | undefined>;
  /**
   * Saves a new record, expiring at `record.expiresAt`, unless `limits.total` live sessions
   * exist already, or `limits.perOwner` live sessions of the record's owner. Atomic (across
   * replicas too), so concurrent creates never overshoot either limit. Says which one stopped it.
   */
  abstract create(record: SessionRecord, limits: SessionLimits): Promise<CreateOutcome>;
  /**
   * Saves the record only if the stored one is still at `expectedRevision` (compare-and-set),
   * so two replicas changing one session at once cannot lose either change. False on a
   * conflict, or when the session is gone.
   */
  abstract replace(record: SessionRecord, expectedRevision: number): Promise<boolean>;
  /** Slides the expiry without rewriting the record (the hot path of every scoped call). */
  abstract touch(record: TouchedSession): Promise<void>;
  /** True when there was something to delete. */
  abstract delete(record: Pick<SessionRecord, 'id' | 'owner'>): Promise<boolean>;
  abstract list(): Promise<SessionRecord[]>;
  abstract count(): Promise<number>;
}
