import { describe, expect, it } from '@jest/globals';
import { InFlightSet } from './in-flight-set.js';

describe('InFlightSet', () => {
  it('holds what was added, oldest first, until each one is removed', () => {
    const set = new InFlightSet<string>();
    const leaveA = set.add('a');
    const leaveB = set.add('b');
    set.add('c');
    expect([...set]).toEqual(['a', 'b', 'c']);
    expect(set.size).toBe(3);
    leaveB();
    expect([...set]).toEqual(['a', 'c']);
    leaveA();
    expect([...set]).toEqual(['c']);
    expect(set.size).toBe(1);
  });

  it('ignores a second removal of the same member', () => {
    const set = new InFlightSet<number>();
    const leave = set.add(1);
    set.add(2);
    leave();
    leave();
    expect([...set]).toEqual([2]);
    expect(set.size).toBe(1);
  });

  it('keeps two additions of one value apart', () => {
    const set = new InFlightSet<string>();
    const first = set.add('same');
    set.add('same');
    first();
    expect([...set]).toEqual(['same']);
  });

  it('lets members leave while it is walked', () => {
    const set = new InFlightSet<number>();
    const leave = [1, 2, 3].map((n) => set.add(n));
    const seen: number[] = [];
    for (const n of set) {
      seen.push(n);
      leave.forEach((l) => l());
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(set.size).toBe(0);
    expect([...set]).toEqual([]);
  });
});
