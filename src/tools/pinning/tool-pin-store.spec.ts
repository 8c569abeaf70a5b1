import { describe, expect, it } from '@jest/globals';
import { MemoryToolPinStore } from './tool-pin-store.js';

describe('MemoryToolPinStore expiry', () => {
  it('drops pins not touched since the cutoff; touching an unknown key pins nothing', async () => {
    let now = 1000;
    const store = new MemoryToolPinStore(() => now);
    await store.pinIfAbsent('a', 'fa');
    await store.pinIfAbsent('b', 'fb');
    now = 2000;
    await store.touch(['a', 'never-pinned']);
    now = 3000;
    await store.replace('c', 'fc');
    expect(await store.prune(1500)).toEqual(['b']);
    expect([...(await store.loadAll()).keys()].sort()).toEqual(['a', 'c']);
    expect((await store.prune(2500)).sort()).toEqual(['a']);
    expect(await store.prune(10_000)).toEqual(['c']);
    expect((await store.loadAll()).size).toBe(0);
  });

  it('keeps the first fingerprint but refreshes the last-seen time on a repeated pin', async () => {
    let now = 1000;
    const store = new MemoryToolPinStore(() => now);
    expect(await store.pinIfAbsent('a', 'first')).toBe('first');
    now = 5000;
    expect(await store.pinIfAbsent('a', 'second')).toBe('first');
    expect(await store.prune(4000)).toEqual([]);
  });
});
