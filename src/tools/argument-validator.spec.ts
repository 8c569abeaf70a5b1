import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '../common/errors/gateway-error.js';
import { ArgumentValidator } from './argument-validator.js';

describe('ArgumentValidator', () => {
  const validator = new ArgumentValidator();
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } },
    required: ['city'],
    additionalProperties: false,
  };

  it('accepts arguments that match', () => {
    expect(() => validator.assertValid('t', schema, { city: 'Paris', days: 2 })).not.toThrow();
  });

  it('lists every schema error with its path', () => {
    try {
      validator.assertValid('t', schema, { days: 0, extra: true });
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      const details = (e as GatewayError).details as string[];
      expect(details).toEqual(
        expect.arrayContaining([
          "(root): missing required property 'city'",
          "(root): unknown property 'extra'",
          '/days: must be >= 1',
        ]),
      );
    }
  });

  it('understands draft-07 schemas and formats', () => {
    const draft07 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { when: { type: 'string', format: 'date' } },
    };
    expect(() => validator.assertValid('t', draft07, { when: '2026-11-27' })).not.toThrow();
    expect(() => validator.assertValid('t', draft07, { when: 'soon' })).toThrow(GatewayError);
  });

  it('skips validation for a schema that does not compile, leaving it to the server', () => {
    expect(() => validator.assertValid('t', { type: 'no-such-type' }, { a: 1 })).not.toThrow();
  });

  it('enforces safe patterns, and skips one that could backtrack without bound', () => {
    const patterned = {
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^[a-z]+-[0-9]+$' },
        evil: { type: 'string', pattern: '^(a+)+$' },
      },
    };
    expect(() => validator.assertValid('p', patterned, { id: 'abc-12' })).not.toThrow();
    expect(() => validator.assertValid('p', patterned, { id: 'ABC' })).toThrow(GatewayError);
    // Enforced, this would run for hours (2^40 backtracking steps) and the test would time out.
    expect(() =>
      validator.assertValid('p', patterned, { evil: `${'a'.repeat(40)}!` }),
    ).not.toThrow();
  });
});
