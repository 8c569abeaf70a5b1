import { describe, expect, it } from '@jest/globals';
import { MemorySessionStore } from './memory.session-store.js';
import type { SessionRecord } from './session-record.js';

/** Set-up writes: create() with a limit that is never reached. */
const NO_LIMIT = { total: Number.MAX_SAFE_INTEGER, perOwner: Number.MAX_SAFE_INTEGER };
const total = (n: number) => ({ total: n, perOwner: Number.MAX_SAFE_INTEGER });

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
    await store.touch({ id: 'a', lastActiveAt: 1500, expiresAt: 5000 });
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
    expect(await store.delete({ id: 'a' })).toBe(true);
    expect(await store.delete({ id: 'a' })).toBe(false);
  });

  it('creates no more live records than the limit; expired ones do not count', async () => {
    let now = 1000;
    const store = new MemorySessionStore(() => now);
    expect(await store.create(record('a', 2000), total(2))).toBe('created');
    expect(await store.create(record('b', 5000), total(2))).toBe('created');
    expect(await store.create(record('c', 5000), total(2))).toBe('total-limit');
    now = 2500;
    expect(await store.create(record('c', 5000), total(2))).toBe('created');
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['b', 'c']);
  });

  it("holds each owner to its own limit; records without an owner and others' do not count", async () => {
    let now = 1000;
    const store = new MemorySessionStore(() => now);
    const limits = { total: 10, perOwner: 2 };
    const owned = (id: string, owner?: string, expiresAt = 5000) => ({
      ...record(id, expiresAt),
      owner,
    });
    expect(await store.create(owned('a1', 'alice', 2000), limits)).toBe('created');
    expect(await store.create(owned('a2', 'alice'), limits)).toBe('created');
    expect(await store.create(owned('a3', 'alice'), limits)).toBe('owner-limit');
    expect(await store.create(owned('b1', 'bob'), limits)).toBe('created');
    expect(await store.create(owned('n1'), limits)).toBe('created');
    expect(await store.create(owned('n2'), limits)).toBe('created');
    now = 2500; // a1 expired: alice has room again
    expect(await store.create(owned('a3', 'alice'), limits)).toBe('created');
    expect(await store.create(owned('b2', 'bob'), { total: 5, perOwner: 2 })).toBe('total-limit');
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
