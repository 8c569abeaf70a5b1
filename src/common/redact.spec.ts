import { describe, expect, it } from '@jest/globals';
import { redact, redactDeep } from './redact.js';

describe('redact', () => {
  it('replaces each form exactly as given: the same word in another letter case is not the secret', () => {
    const secrets = ['ab%2Bcd', 'ab%2bcd', 'info'];
    expect(redact('x ab%2bcd ab%2Bcd INFO: Information, info y', secrets)).toBe(
      'x [redacted] [redacted] INFO: Information, [redacted] y',
    );
  });

  it('takes regex characters literally, and the longest secret first', () => {
    expect(redact('a+b.c a+bXc', ['a+b.c'])).toBe('[redacted] a+bXc');
    expect(redact('token-long', ['token', 'token-long'])).toBe('[redacted]');
  });

  it('leaves text alone with no secrets, and redacts keys and values of JSON', () => {
    expect(redact('nothing to hide', [])).toBe('nothing to hide');
    expect(redactDeep({ sekret1: ['sekret1!'] }, ['sekret1'])).toEqual({
      '[redacted]': ['[redacted]!'],
    });
  });

  it('takes secrets too long for one pattern (an env value holding a JSON document), matched exactly', () => {
    const document = JSON.stringify({ tools: Array.from({ length: 5000 }, (_, i) => ({ i })) });
    const forms = [document, Buffer.from(document).toString('hex'), 'short-secret'];
    const text = `listing ${document} and short-secret`;
    expect(redact(text, forms)).toBe('listing [redacted] and [redacted]');
  });
});
