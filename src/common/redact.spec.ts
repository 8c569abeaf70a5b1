import { describe, expect, it } from '@jest/globals';
import { redact, redactDeep } from './redact.js';

describe('redact', () => {
  it('replaces each secret whatever its letter case (%2b for %2B, upper-case hex)', () => {
    const secrets = ['ab%2Bcd', '61622b6364'];
    expect(redact('x ab%2bcd AB%2BCD 61622B6364 y', secrets)).toBe(
      'x [redacted] [redacted] [redacted] y',
    );
  });

  it('takes regex characters literally, and the longest secret first', () => {
    expect(redact('a+b.c a+bXc', ['a+b.c'])).toBe('[redacted] a+bXc');
    expect(redact('token-long', ['token', 'token-long'])).toBe('[redacted]');
  });

  it('leaves text alone with no secrets, and redacts keys and values of JSON', () => {
    expect(redact('nothing to hide', [])).toBe('nothing to hide');
    expect(redactDeep({ Sekret1: ['sekret1!'] }, ['sekret1'])).toEqual({
      '[redacted]': ['[redacted]!'],
    });
  });

  it('takes secrets too long for one pattern (an env value holding a JSON document), matched exactly', () => {
    const document = JSON.stringify({ tools: Array.from({ length: 5000 }, (_, i) => ({ i })) });
    const forms = [document, Buffer.from(document).toString('hex'), 'short-secret'];
    const text = `listing ${document} and SHORT-SECRET`;
    expect(redact(text, forms)).toBe('listing [redacted] and [redacted]');
  });
});
