import type { SessionRecord } from './session-record.js';
import {
  SessionStore,
  type CreateOutcome,
  type SessionLimits,
  type TouchedSession,
} from './session-store.js';

/** One process, nothing survives a restart: the zero-config default. */
export class MemorySessionStore extends SessionStore {
  private readonly records = new Map<string, SessionRecord>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  // A copy, as Redis would give: a caller changing it must not change the stored record.
  get(id: string): Promise<SessionRecord | undefined> {
    const record = this.live(id);
    return Promise.resolve(record && structuredClone(record));
  }

  // No await between the check and the write: one process, so this is atomic.
  create(record: SessionRecord, limits: SessionLimits): Promise<CreateOutcome> {
    const live = this.liveRecords();
    if (live.length >= limits.total) return Promise.resolve('total-limit');
    if (record.owner !== undefined) {
      const owned = live.filter((r) => r.owner === record.owner).length;
      if (owned >= limits.perOwner) return Promise.resolve('owner-limit');
    }
    this.records.set(record.id, structuredClone(record));
    return Promise.resolve('created');
  }

  replace(record: SessionRecord, expectedRevision: number): Promise<boolean> {
    if (this.live(record.id)?.revision !== expectedRevision) return Promise.resolve(false);
    this.records.set(record.id, structuredClone(record));
    return Promise.resolve(true);
  }

  touch({ id, lastActiveAt, expiresAt }: TouchedSession): Promise<void> {
    const record = this.live(id);
    if (record) Object.assign(record, { lastActiveAt, expiresAt });
    return Promise.resolve();
  }

  delete({ id }: Pick<SessionRecord, 'id'>): Promise<boolean> {
    return Promise.resolve(this.records.delete(id));
  }

  list(): Promise<SessionRecord[]> {
    return Promise.resolve(this.liveRecords());
  }

  count(): Promise<number> {
    return Promise.resolve(this.liveRecords().length);
  }

  private liveRecords(): SessionRecord[] {
    return [...this.records.keys()].flatMap((id) => this.live(id) ?? []);
  }

  private live(id: string): SessionRecord | undefined {
    const record = this.records.get(id);
    if (record && record.expiresAt <= this.now()) {
      this.records.delete(id);
      return undefined;
    }
    return record;
  }
}
