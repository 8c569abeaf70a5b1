import { describe, expect, it } from '@jest/globals';
import { newSessionId, SESSION_ID_PATTERN, shownId } from './session-id.js';

describe('newSessionId', () => {
  it('is sess_ plus 22 base62 characters, never repeating', () => {
    const ids = new Set(Array.from({ length: 2000 }, newSessionId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(SESSION_ID_PATTERN);
  });

  it('uses the whole alphabet (the random bits are not squeezed)', () => {
    const seen = new Set([...Array.from({ length: 500 }, newSessionId).join('').slice(5)]);
    expect(seen.size).toBeGreaterThan(60);
  });
});

describe('shownId', () => {
  it('repeats a real id whole and cuts a long one', () => {
    const id = newSessionId();
    expect(shownId(id)).toBe(id);
    expect(shownId('x'.repeat(10_000))).toBe(`${'x'.repeat(64)}…`);
  });
});
