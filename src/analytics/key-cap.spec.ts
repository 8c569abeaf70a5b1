import { describe, expect, it } from '@jest/globals';
import { KeyCap } from './key-cap.js';
import { OTHER_KEY } from './usage-cells.js';

describe('KeyCap', () => {
  it('admits up to its cap, then answers (other), and keeps admitted keys', () => {
    const cap = new KeyCap(2);
    expect(cap.admit('a')).toBe('a');
    expect(cap.admit('b')).toBe('b');
    expect(cap.admit('c')).toBe(OTHER_KEY);
    expect(cap.admit('a')).toBe('a');
    expect(cap.size).toBe(2);
  });

  it('forgets idle keys at a sweep, making room', () => {
    const cap = new KeyCap(1, 1000);
    cap.admit('old', 0);
    expect(cap.admit('new', 500)).toBe(OTHER_KEY);
    cap.sweep(900);
    expect(cap.admit('new', 900)).toBe(OTHER_KEY);
    cap.sweep(1001);
    expect(cap.admit('new', 1001)).toBe('new');
  });

  it('counts a use as activity, so a busy key is never swept', () => {
    const cap = new KeyCap(1, 1000);
    cap.admit('busy', 0);
    cap.admit('busy', 800);
    cap.sweep(1500);
    expect(cap.admit('other-key', 1500)).toBe(OTHER_KEY);
  });
});
