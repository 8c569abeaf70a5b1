import { Injectable, Logger } from '@nestjs/common';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import safeRegex from 'safe-regex2';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { canonicalJson } from '../common/canonical-json.js';

// ajv-formats ships CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;
const patternLogger = new Logger('ArgumentValidator');

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
    patternLogger.warn(
      `not enforcing pattern ${JSON.stringify(pattern.slice(0, 100))}: it may backtrack without bound`,
    );
    return { test: () => true };
  },
  { code: 'new RegExp' },
);

/** Compiles per Ajv pair before a fresh pair takes over; see Compilers. */
const COMPILES_PER_GENERATION = 500;
/** Validators kept by schema content, shared by every connection that lists that schema. */
const SHARED_VALIDATORS = 1000;

/**
 * One Ajv per dialect. Ajv keeps every schema it compiles, and the values its code refers to,
 * for the life of the instance (its `_cache` and `scope`), whatever becomes of the validator:
 * with one pair for the process, each session's and each reconnect's definitions stayed in
 * memory for good. So a pair compiles a bounded number of schemas, then a fresh pair takes
 * over; an old pair lives only as long as validators it compiled are still in use.
 */
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

class Compilers {
  // MCP's default dialect is 2020-12; many servers still declare draft-07.
  private readonly draft07 = withFormats(new Ajv(AJV_OPTIONS));
  private readonly draft2020 = withFormats(new Ajv2020(AJV_OPTIONS));
  compiles = 0;

  compile(schema: Record<string, unknown>): ValidateFunction {
    this.compiles += 1;
    const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
    return (draft07 ? this.draft07 : this.draft2020).compile(schema);
  }
}

/**
 * Validates tool arguments against the tool's input schema before the call leaves the
 * gateway. A validator is found by the schema object first (a refreshed tool list brings new
 * objects, so the cache follows definitions without any invalidation logic), then by the
 * schema's content, so the same server in a thousand sessions compiles its schemas once.
 */
@Injectable()
export class ArgumentValidator {
  private readonly logger = new Logger(ArgumentValidator.name);
  private readonly byObject = new WeakMap<object, ValidateFunction | null>();
  /** Least recently used first (a Map keeps insertion order; a hit moves to the end). */
  private readonly byContent = new Map<string, ValidateFunction | null>();
  private compilers = new Compilers();
  private generations = 1;

  /** Schemas compiled so far, and Ajv pairs used for it (for tests and diagnostics). */
  get compileStats(): { compiles: number; generations: number; shared: number } {
    const compiles = (this.generations - 1) * COMPILES_PER_GENERATION + this.compilers.compiles;
    return { compiles, generations: this.generations, shared: this.byContent.size };
  }

  assertValid(
    toolName: string,
    schema: Record<string, unknown>,
    args: Record<string, unknown>,
  ): void {
    const validate = this.compiled(toolName, schema);
    if (!validate || validate(args)) return;
    const details = (validate.errors ?? []).map(describe);
    throw new GatewayError(
      ErrorCode.INVALID_ARGUMENTS,
      `Arguments do not match the input schema of '${toolName}': ${details.join('; ')}`,
      details,
    );
  }

  private compiled(toolName: string, schema: Record<string, unknown>): ValidateFunction | null {
    const cached = this.byObject.get(schema);
    if (cached !== undefined) return cached;
    const key = canonicalJson(schema);
    let validate = this.byContent.get(key);
    if (validate !== undefined) this.byContent.delete(key);
    else validate = this.compile(toolName, schema);
    this.byContent.set(key, validate);
    if (this.byContent.size > SHARED_VALIDATORS) {
      this.byContent.delete(this.byContent.keys().next().value as string);
    }
    this.byObject.set(schema, validate);
    return validate;
  }

  private compile(toolName: string, schema: Record<string, unknown>): ValidateFunction | null {
    if (this.compilers.compiles >= COMPILES_PER_GENERATION) {
      this.compilers = new Compilers();
      this.generations += 1;
    }
    try {
      return this.compilers.compile(schema);
    } catch (error) {
      // A schema ajv cannot compile is the server's bug; the server still validates its own input.
      this.logger.warn(
        `input schema of '${toolName}' does not compile, skipping validation: ${(error as Error).message}`,
      );
      return null;
    }
  }
}

function withFormats<T extends Ajv | Ajv2020>(ajv: T): T {
  addFormats(ajv);
  return ajv;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(root)';
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown property '${String(error.params.additionalProperty)}'`;
  }
  if (error.keyword === 'required')
    return `${where}: missing required property '${String(error.params.missingProperty)}'`;
  return `${where}: ${error.message ?? error.keyword}`;
}
