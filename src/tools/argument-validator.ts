import { Injectable, Logger } from '@nestjs/common';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { canonicalJson } from '../common/canonical-json.js';
import { SchemaCompilers } from './schema-compilers.js';

/** Compiles per set of Ajv instances before a fresh set takes over; see SchemaCompilers. */
const COMPILES_PER_GENERATION = 500;
/** Validators kept by schema content, shared by every connection that lists that schema. */
const SHARED_VALIDATORS = 1000;

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
  private compilers = new SchemaCompilers();
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
      this.compilers = new SchemaCompilers();
      this.generations += 1;
    }
    try {
      return this.compilers.compile(toolName, schema);
    } catch (error) {
      // A schema ajv cannot compile is the server's bug; the server still validates its own input.
      this.logger.warn(
        `input schema of '${toolName}' does not compile, skipping validation: ${(error as Error).message}`,
      );
      return null;
    }
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
