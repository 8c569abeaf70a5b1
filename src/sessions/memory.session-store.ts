import type { SessionRecord } from './session-record.js';
import { SessionStore } from './session-store.js';

/** One process, nothing survives a restart: the zero-config default. */
export class MemorySessionStore extends SessionStore {
  private readonly records = new Map<string, SessionRecord>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return Promise.resolve(this.live(id));
  }

  save(record: SessionRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
    return Promise.resolve();
  }

  touch(id: string, lastActiveAt: number, expiresAt: number): Promise<void> {
    const record = this.live(id);
    if (record) Object.assign(record, { lastActiveAt, expiresAt });
    return Promise.resolve();
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.records.delete(id));
  }

  list(): Promise<SessionRecord[]> {
    return Promise.resolve([...this.records.keys()].flatMap((id) => this.live(id) ?? []));
  }

  async count(): Promise<number> {
    return (await this.list()).length;
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
