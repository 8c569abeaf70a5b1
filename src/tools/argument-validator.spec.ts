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

  describe('across sessions and reconnects', () => {
    const strict = (id: string, required: string) => ({
      $id: id,
      type: 'object',
      properties: { n: { type: 'number' }, s: { type: 'string' } },
      required: [required],
      additionalProperties: false,
    });

    it('enforces a second schema with the same $id (a server whose schema changed), not only the first', () => {
      const fresh = new ArgumentValidator();
      const first = strict('https://example.com/strict.json', 'n');
      const second = strict('https://example.com/strict.json', 's');
      expect(() => fresh.assertValid('a', first, { s: 'x' })).toThrow(GatewayError);
      expect(() => fresh.assertValid('b', second, { n: 1 })).toThrow(GatewayError);
      expect(() => fresh.assertValid('b', second, { s: 'x' })).not.toThrow();
    });

    it('compiles a schema once for every connection that lists it (equal content, new objects)', () => {
      const fresh = new ArgumentValidator();
      for (let session = 0; session < 50; session++) {
        const copy = strict('https://example.com/same.json', 'n');
        expect(() => fresh.assertValid('t', copy, { n: 'not a number' })).toThrow(GatewayError);
      }
      expect(fresh.compileStats.compiles).toBe(1);
    });

    it('keeps a bounded number of validators and Ajv caches however many distinct schemas come and go', () => {
      const fresh = new ArgumentValidator();
      const kept = strict('https://example.com/kept.json', 'n');
      fresh.assertValid('kept', kept, { n: 1 });
      for (let i = 0; i < 1200; i++) {
        fresh.assertValid(
          `t${i}`,
          { type: 'object', properties: { [`p${i}`]: { type: 'string' } } },
          {},
        );
      }
      const stats = fresh.compileStats;
      expect(stats.compiles).toBe(1201);
      expect(stats.shared).toBe(1000);
      // Each Ajv pair compiled at most 500 schemas before a fresh one took over.
      expect(stats.generations).toBe(3);
      // A definition still in use keeps its validator, compiled two pairs ago.
      expect(() => fresh.assertValid('kept', kept, { n: 'x' })).toThrow(GatewayError);
    });
  });

  describe('schemas in other dialects, with references it cannot resolve, or uniqueItems', () => {
    const refuses = (schema: Record<string, unknown>, args: Record<string, unknown>) => {
      const fresh = new ArgumentValidator();
      try {
        fresh.assertValid('t', schema, args);
        return [];
      } catch (error) {
        return (error as GatewayError).details as string[];
      }
    };
    const strict = (extra: Record<string, unknown>) => ({
      type: 'object',
      properties: { n: { type: 'number' } },
      required: ['n'],
      additionalProperties: false,
      ...extra,
    });

    it('enforces draft-04, draft-06, 2019-09 and an unknown dialect, not only 2020-12 and draft-07', () => {
      for (const $schema of [
        'http://json-schema.org/draft-04/schema#',
        'http://json-schema.org/draft-06/schema#',
        'https://json-schema.org/draft/2019-09/schema',
        'https://example.com/some-dialect',
      ]) {
        expect({ $schema, refused: refuses(strict({ $schema }), { n: 'x', extra: 1 }) }).toEqual({
          $schema,
          refused: expect.arrayContaining(["(root): unknown property 'extra'"]),
        });
      }
      // Draft-04's own form of an exclusive bound.
      const draft04 = {
        $schema: 'http://json-schema.org/draft-04/schema#',
        properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } },
      };
      expect(refuses(draft04, { n: 0 })).toEqual(['/n: must be > 0']);
    });

    it('leaves out a $ref it cannot resolve, and enforces the rest of the schema', () => {
      for (const ref of ['#/$defs/nope', 'https://example.com/remote.json']) {
        const schema = strict({ properties: { n: { type: 'number' }, a: { $ref: ref } } });
        expect(refuses(schema, { n: 'x', a: 1, extra: 1 })).toEqual(
          expect.arrayContaining(['/n: must be number', "(root): unknown property 'extra'"]),
        );
        expect(refuses(schema, { n: 1, a: 'anything' })).toEqual([]);
      }
    });

    it('resolves references as Ajv does to find the one that is missing, and only that one', () => {
      // With an empty fragment, and relative to an $id: still the missing document.
      const emptyFragment = strict({
        properties: { n: { type: 'number' }, b: { $ref: 'common.json#' } },
      });
      expect(refuses(emptyFragment, { n: 'x', zzz: 1 })).toEqual(
        expect.arrayContaining(['/n: must be number', "(root): unknown property 'zzz'"]),
      );
      const relative = strict({
        $id: 'https://x.test/a/s.json',
        properties: { n: { type: 'number' }, b: { $ref: '../common.json' } },
      });
      expect(refuses(relative, { n: 'x' })).toEqual(['/n: must be number']);
      // A local #/$defs/foo that resolves is kept, though a remote one of that fragment is missing.
      const both = {
        type: 'object',
        $defs: { foo: { type: 'string' } },
        properties: {
          a: { $ref: '#/$defs/foo' },
          r: { $ref: 'https://example.com/other.json#/$defs/foo' },
        },
      };
      expect(refuses(both, { a: 5 })).toEqual(['/a: must be string']);
    });

    it('refuses duplicate items by JSON equality (key order aside), and takes distinct ones', () => {
      const schema = { type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } };
      expect(refuses(schema, { tags: [{ a: 1, b: 2 }, [1], { b: 2, a: 1 }] })).toEqual([
        '/tags: must NOT have duplicate items (items ## 0 and 2 are identical)',
      ]);
      expect(refuses(schema, { tags: [1, '1', [1], { a: 1 }, null, true] })).toEqual([]);
      const many = Array.from({ length: 40_000 }, (_, i) => [i]);
      expect(refuses(schema, { tags: many })).toEqual([]);
      expect(refuses(schema, { tags: [...many, [39_999]] })).toHaveLength(1);
    });
  });
});
