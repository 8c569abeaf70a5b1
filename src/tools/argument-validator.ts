import { Injectable, Logger } from '@nestjs/common';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import safeRegex from 'safe-regex2';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';

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

/**
 * Validates tool arguments against the tool's input schema before the call leaves the
 * gateway. Validators are compiled once per schema object (a refreshed tool list brings new
 * objects, so the cache follows definitions without any invalidation logic).
 */
@Injectable()
export class ArgumentValidator {
  private readonly logger = new Logger(ArgumentValidator.name);
  private readonly cache = new WeakMap<object, ValidateFunction | null>();
  // MCP's default dialect is 2020-12; many servers still declare draft-07.
  private readonly draft07 = this.makeAjv(
    new Ajv({ strict: false, allErrors: true, code: { regExp: guardedRegExp } }),
  );
  private readonly draft2020 = this.makeAjv(
    new Ajv2020({ strict: false, allErrors: true, code: { regExp: guardedRegExp } }),
  );

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
    const cached = this.cache.get(schema);
    if (cached !== undefined) return cached;
    let validate: ValidateFunction | null = null;
    try {
      const dialect =
        typeof schema.$schema === 'string' && schema.$schema.includes('draft-07')
          ? this.draft07
          : this.draft2020;
      validate = dialect.compile(schema);
    } catch (error) {
      // A schema ajv cannot compile is the server's bug; the server still validates its own input.
      this.logger.warn(
        `input schema of '${toolName}' does not compile, skipping validation: ${(error as Error).message}`,
      );
    }
    this.cache.set(schema, validate);
    return validate;
  }

  private makeAjv<T extends Ajv | Ajv2020>(ajv: T): T {
    addFormats(ajv);
    return ajv;
  }
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
