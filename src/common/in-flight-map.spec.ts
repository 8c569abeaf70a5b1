import { describe, expect, it } from '@jest/globals';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InFlightMap } from './in-flight-map.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;

function oldGenerationBytes(): number {
  return getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'old_space' || s.space_name === 'large_object_space')
    .reduce((sum, s) => sum + s.space_used_size, 0);
}

/**
 * KB promoted by two scavenges once every call is over: 16 calls in flight at a time, each
 * with a 64 KB value, passing through a map whose hash table was already old.
 */
function promotedAfterCalls(map: Map<number, unknown>): number {
  let id = 0;
  for (let i = 0; i < 16; i++) map.set(id++, null);
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  for (let i = 0; i < 200; i++) {
    map.delete(id - 16);
    map.set(id++, new Array(8000).fill(i));
  }
  for (let key = id - 16; key < id; key++) map.delete(key);
  const before = oldGenerationBytes();
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return (oldGenerationBytes() - before) / 1024;
}

describe('InFlightMap', () => {
  it('is a Map', () => {
    const map = new InFlightMap<string, number>([['a', 1]]);
    map.set('b', 2).set('c', 3).set('a', 4);
    expect(map.get('a')).toBe(4);
    expect(map.get('z')).toBeUndefined();
    expect(map.has('b')).toBe(true);
    expect(map.size).toBe(3);
    expect([...map]).toEqual([
      ['a', 4],
      ['b', 2],
      ['c', 3],
    ]);
    expect([...map.keys()]).toEqual(['a', 'b', 'c']);
    expect([...map.values()]).toEqual([4, 2, 3]);
    const seen: string[] = [];
    map.forEach((value, key, self) => seen.push(`${key}=${value}:${self === map}`));
    expect(seen).toEqual(['a=4:true', 'b=2:true', 'c=3:true']);
    expect(map.delete('b')).toBe(true);
    expect(map.delete('b')).toBe(false);
    expect(map.has('b')).toBe(false);
    expect([...map.entries()]).toEqual([
      ['a', 4],
      ['c', 3],
    ]);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get('a')).toBeUndefined();
  });

  it('skips what is deleted while it is walked, as a Map does', () => {
    const map = new InFlightMap([1, 2, 3].map((n) => [n, n * 10] as const));
    const seen: number[] = [];
    for (const value of map.values()) {
      seen.push(value);
      map.delete(2);
    }
    expect(seen).toEqual([10, 30]);
  });

  it('keeps no finished call alive through scavenges', () => {
    expect(promotedAfterCalls(new InFlightMap())).toBeLessThan(1024);
  });

  it('is needed: through a Map, finished calls are promoted', () => {
    expect(promotedAfterCalls(new Map())).toBeGreaterThan(2048);
  });
});
