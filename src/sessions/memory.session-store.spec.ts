import { describe, expect, it } from '@jest/globals';
import { MemorySessionStore } from './memory.session-store.js';
import type { SessionRecord } from './session-record.js';

/** Set-up writes: create() with a limit that is never reached. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

const record = (id: string, expiresAt: number): SessionRecord => ({
  id,
  createdAt: 0,
  lastActiveAt: 0,
  expiresAt,
  metadata: {},
  servers: [],
  revision: 0,
});

describe('MemorySessionStore', () => {
  it('forgets records once they expire, and a touch slides the expiry', async () => {
    let now = 1000;
    const store = new MemorySessionStore(() => now);
    await store.create(record('a', 2000), NO_LIMIT);
    await store.create(record('b', 3000), NO_LIMIT);
    expect(await store.count()).toBe(2);
    await store.touch('a', 1500, 5000);
    now = 2500;
    expect((await store.get('a'))?.expiresAt).toBe(5000);
    now = 3500;
    expect(await store.get('b')).toBeUndefined();
    expect((await store.list()).map((r) => r.id)).toEqual(['a']);
  });

  it('keeps its own copy of what it was given', async () => {
    const store = new MemorySessionStore();
    const r = record('a', Date.now() + 10_000);
    await store.create(r, NO_LIMIT);
    r.metadata.changed = true;
    expect((await store.get('a'))?.metadata).toEqual({});
  });

  it('says whether a delete found something', async () => {
    const store = new MemorySessionStore();
    await store.create(record('a', Date.now() + 10_000), NO_LIMIT);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
  });

  it('creates no more live records than the limit; expired ones do not count', async () => {
    let now = 1000;
    const store = new MemorySessionStore(() => now);
    expect(await store.create(record('a', 2000), 2)).toBe(true);
    expect(await store.create(record('b', 5000), 2)).toBe(true);
    expect(await store.create(record('c', 5000), 2)).toBe(false);
    now = 2500;
    expect(await store.create(record('c', 5000), 2)).toBe(true);
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['b', 'c']);
  });

  it('replaces a record only at the revision it was read at', async () => {
    const store = new MemorySessionStore(() => 0);
    await store.create(record('a', 1000), NO_LIMIT);
    const changed = {
      ...record('a', 1000),
      servers: [{ name: 'x', spec: { url: 'http://x', headers: {} } }],
    };
    expect(await store.replace({ ...changed, revision: 2 }, 1)).toBe(false);
    expect(await store.replace({ ...changed, revision: 1 }, 0)).toBe(true);
    expect(await store.get('a')).toMatchObject({ revision: 1, servers: [{ name: 'x' }] });
    expect(await store.replace({ ...record('gone', 1000), revision: 1 }, 0)).toBe(false);
  });
});
