import type { SessionRecord } from './session-record.js';

/**
 * Where session records live. In memory by default; in Redis when configured, so they
 * survive restarts and every replica sees the same sessions. Expired records are never
 * returned.
 */
export abstract class SessionStore {
  abstract get(id: string): Promise<SessionRecord | undefined>;
  /**
   * Saves a new record, expiring at `record.expiresAt`, unless `max` live sessions exist already. Atomic (across replicas too),
   * so concurrent creates never overshoot the limit. False when the limit is reached.
   */
  abstract create(record: SessionRecord, max: number): Promise<boolean>;
  /**
   * Saves the record only if the stored one is still at `expectedRevision` (compare-and-set),
   * so two replicas changing one session at once cannot lose either change. False on a
   * conflict, or when the session is gone.
   */
  abstract replace(record: SessionRecord, expectedRevision: number): Promise<boolean>;
  /** Slides the expiry without rewriting the record (the hot path of every scoped call). */
  abstract touch(id: string, lastActiveAt: number, expiresAt: number): Promise<void>;
  /** True when there was something to delete. */
  abstract delete(id: string): Promise<boolean>;
  abstract list(): Promise<SessionRecord[]>;
  abstract count(): Promise<number>;
}
