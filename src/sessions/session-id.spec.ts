import { describe, expect, it } from '@jest/globals';
import { newSessionId, SESSION_ID_PATTERN } from './session-id.js';

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
