import type { SessionRecord } from './session-record.js';

/**
 * Where session records live. In memory by default; in Redis when configured, so they
 * survive restarts and every replica sees the same sessions. Expired records are never
 * returned.
 */
export abstract class SessionStore {
  abstract get(id: string): Promise<SessionRecord | undefined>;
  /** Creates or replaces; the record expires at `record.expiresAt`. */
  abstract save(record: SessionRecord): Promise<void>;
  /** Slides the expiry without rewriting the record (the hot path of every scoped call). */
  abstract touch(id: string, lastActiveAt: number, expiresAt: number): Promise<void>;
  /** True when there was something to delete. */
  abstract delete(id: string): Promise<boolean>;
  abstract list(): Promise<SessionRecord[]>;
  abstract count(): Promise<number>;
}
