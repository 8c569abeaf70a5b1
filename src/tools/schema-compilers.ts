import { Logger } from '@nestjs/common';
import { Ajv, type AnySchema, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import safeRegex from 'safe-regex2';
import { canonicalJson } from '../common/canonical-json.js';

// Both ship CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
const AjvDraft04 = AjvDraft04Module as unknown as new (options: Options) => Ajv;

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;
const logger = new Logger('ArgumentValidator');

/**
 * `pattern` and `patternProperties` come from upstream servers, and V8's regular expressions
 * backtrack: `^(a+)+$` against 30 characters blocks the event loop for seconds, for every
 * tenant. A pattern the safe-regex check cannot clear (nested quantifiers, more than 25 of
 * them, a syntax it does not know) is not enforced here; the server still validates its own
 * input.
 */
const guardedRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    if (safeRegex(pattern)) return new RegExp(pattern, flags);
    logger.warn(
      `not enforcing pattern ${JSON.stringify(pattern.slice(0, 100))}: it may backtrack without bound`,
    );
    return { test: () => true };
  },
  { code: 'new RegExp' },
);

/**
 * addUsedSchema false: a schema's `$id` is not registered on the instance, so a second schema
 * with the same `$id` (the same server in another session, or after a reconnect) compiles
 * instead of failing as "already exists", which had left it unvalidated.
 */
const AJV_OPTIONS: Options = {
  strict: false,
  allErrors: true,
  addUsedSchema: false,
  code: { regExp: guardedRegExp },
};

/** How many times a schema is compiled again with one more unresolvable `$ref` left out. */
const MAX_REFS_LEFT_OUT = 20;

/**
 * One Ajv per JSON Schema dialect a server may declare. Ajv keeps every schema it compiles,
 * and the values its code refers to, for the life of the instance (its `_cache` and `scope`),
 * whatever becomes of the validator: ArgumentValidator therefore gives each set a bounded
 * number of compiles, then makes a fresh one; an old set lives only as long as validators it
 * compiled are still in use.
 */
export class SchemaCompilers {
  private readonly draft04 = prepared(new AjvDraft04(AJV_OPTIONS));
  // Draft-07's Ajv reads draft-06 too, given its meta-schema.
  private readonly draft07 = prepared(new Ajv(AJV_OPTIONS)).addMetaSchema(draft06MetaSchema);
  private readonly draft2019 = prepared(new Ajv2019(AJV_OPTIONS));
  // MCP's default dialect.
  private readonly draft2020 = prepared(new Ajv2020(AJV_OPTIONS));
  compiles = 0;

  /**
   * The schema's validator. A `$ref` that cannot be resolved (a remote document, a typo) is
   * left out, not the whole schema: its other rules are still enforced, and the warning says
   * which reference was dropped. Throws for a schema that does not compile otherwise.
   */
  compile(toolName: string, schema: Record<string, unknown>): ValidateFunction {
    this.compiles += 1;
    const { ajv, declared } = this.dialectOf(schema);
    // A dialect this gateway does not know is read as MCP's default one.
    let current: Record<string, unknown> = declared ? schema : withoutKey(schema, '$schema');
    for (let attempt = 0; ; attempt++) {
      try {
        return ajv.compile(current);
      } catch (error) {
        const missing = (error as { missingRef?: unknown }).missingRef;
        if (typeof missing !== 'string' || attempt >= MAX_REFS_LEFT_OUT) throw error;
        const without = withoutRef(current, missing);
        if (without === current) throw error;
        logger.warn(
          `input schema of '${toolName}': $ref ${JSON.stringify(missing.slice(0, 200))} cannot be resolved; validating without it`,
        );
        current = without;
      }
    }
  }

  private dialectOf(schema: Record<string, unknown>): { ajv: Ajv; declared: boolean } {
    const uri = typeof schema.$schema === 'string' ? schema.$schema : undefined;
    if (uri === undefined || uri.includes('2020-12'))
      return { ajv: this.draft2020, declared: true };
    if (uri.includes('draft-04')) return { ajv: this.draft04, declared: true };
    if (uri.includes('draft-06') || uri.includes('draft-07')) {
      return { ajv: this.draft07, declared: true };
    }
    if (uri.includes('2019-09')) return { ajv: this.draft2019, declared: true };
    return { ajv: this.draft2020, declared: false };
  }
}

/** Formats, and a uniqueItems that costs linear time. */
function prepared<T extends Ajv>(ajv: T): T {
  addFormats(ajv);
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({
    keyword: 'uniqueItems',
    type: 'array',
    schemaType: 'boolean',
    validate: uniqueItems,
  });
  return ajv;
}

type KeywordValidate = ((unique: boolean, data: unknown[]) => boolean) & {
  errors?: { keyword: string; message: string; params: Record<string, unknown> }[];
};

/**
 * Ajv's own uniqueItems compares every pair of items that are not all scalars: a 350 KB array
 * of 40,000 one-item arrays held the event loop, every tenant's requests with it, for 10 s.
 * Here each item's canonical JSON (JSON equality: key order does not matter) goes into a set.
 */
const uniqueItems: KeywordValidate = (unique, data) => {
  if (!unique) return true;
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const item = data[i];
    const key =
      typeof item === 'object' && item !== null ? canonicalJson(item) : JSON.stringify(item);
    const first = seen.get(key);
    if (first !== undefined) {
      uniqueItems.errors = [
        {
          keyword: 'uniqueItems',
          message: `must NOT have duplicate items (items ## ${first} and ${i} are identical)`,
          params: { i: first, j: i },
        },
      ];
      return false;
    }
    seen.set(key, i);
  }
  return true;
};

function withoutKey(schema: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...schema };
  delete copy[key];
  return copy;
}

/** Resolves references that name no base of their own (no `$id` at the root). */
const ROOT_BASE = 'https://gateway.invalid/root.json';

/**
 * A copy of the schema with every `$ref` that resolves to `missing` (Ajv's missingRef: the
 * reference resolved against the `$id`s above it, without a trailing `#`) replaced by the
 * schema that accepts anything; the same object when no such `$ref` is found. References
 * are resolved the same way here, so `common.json#` and `../common.json` under an `$id`
 * match, and a local `#/$defs/x` is never taken for a remote document's `#/$defs/x`.
 */
function withoutRef(schema: Record<string, unknown>, missing: string): Record<string, unknown> {
  const target = resolved(missing, ROOT_BASE);
  let changed = false;
  const visit = (node: unknown, base: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item, base));
    if (node === null || typeof node !== 'object') return node;
    const { $id, $ref } = node as { $id?: unknown; $ref?: unknown };
    const here = typeof $id === 'string' ? (resolved($id, base) ?? base) : base;
    if (typeof $ref === 'string' && target !== undefined && resolved($ref, here) === target) {
      changed = true;
      return {};
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, here)]));
  };
  const result = visit(schema, ROOT_BASE) as AnySchema as Record<string, unknown>;
  return changed ? result : schema;
}

/** A reference as an absolute URI without a trailing empty fragment; undefined if invalid. */
function resolved(ref: string, base: string): string | undefined {
  try {
    return new URL(ref, base).href.replace(/#$/, '');
  } catch {
    return undefined;
  }
}
