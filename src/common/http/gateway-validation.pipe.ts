import {
  BadRequestException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { notAnObjectMessage } from './body-shape.js';
import { freeFormKeys } from './free-form-object.decorator.js';

/** Constraints that say what type a value must have; when one fails, the others are noise. */
const TYPE_CONSTRAINTS = new Set([
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isObject',
  'isArray',
]);

/**
 * Says whether a body (a JSON object, `__proto__` keys already stripped) is certainly valid
 * for its class, checking by hand what the class's decorators check. It may only answer true
 * for a body the full pipe would accept unchanged; when unsure it answers false and the
 * full pipe decides, and words the errors.
 */
export type FastBodyCheck = (body: Record<string, unknown>) => boolean;

const FAST_BODY_CHECKS = new WeakMap<object, FastBodyCheck>();

/**
 * Registers a FastBodyCheck for a body class on a hot route: class-transformer and
 * class-validator cost tens of microseconds a request, for a few `typeof` checks.
 */
export function registerFastBodyCheck(
  metatype: abstract new () => object,
  check: FastBodyCheck,
): void {
  FAST_BODY_CHECKS.set(metatype, check);
}

/**
 * Nest's ValidationPipe with messages a caller can act on. It runs every constraint of a
 * property (stopAtFirstError is off, so that each property gets reported), which for one
 * mistake listed every rule the value was never checked against:
 * - a body that is not a JSON object (an array) is refused as such, not as "property 0 should
 *   not exist";
 * - a missing required field is "<field> is required", not its length rule, and an empty
 *   string one "<field> must not be empty";
 * - a value of the wrong type gets only its type message ("limit must be an integer number"),
 *   not also the range it could not be compared with.
 */
export class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' && isJsonObject(value) && this.toValidate(metadata)) {
      value = declaredOnly(value, metadata.metatype);
    }
    const entity = await this.check(value, metadata);
    if (metadata.type === 'body' && metadata.data === undefined && isJsonObject(entity)) {
      dropNulls(entity);
    }
    return entity;
  }

  private async check(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const wholeBody = metadata.type === 'body' && metadata.data === undefined;
    if (wholeBody && value !== undefined && this.toValidate(metadata) && !isJsonObject(value)) {
      throw new BadRequestException([notAnObjectMessage(value)]);
    }
    if (wholeBody && isJsonObject(value) && this.toValidate(metadata)) {
      const inherited = inheritedMemberKeys(value);
      if (inherited.length) {
        throw new BadRequestException(inherited.map((key) => `property ${key} should not exist`));
      }
    }
    const fast = wholeBody && isJsonObject(value) ? this.fastCheck(metadata.metatype) : undefined;
    if (fast) {
      const body = value as Record<string, unknown>;
      this.stripProtoKeys(body, false);
      if (fast(body)) {
        const Metatype = metadata.metatype as new () => object;
        return Object.assign(new Metatype(), body);
      }
    }
    const keys = wholeBody ? freeFormKeys(metadata.metatype) : new Set<string>();
    if (keys.size === 0 || !isJsonObject(value)) return super.transform(value, metadata);
    // Free-form objects sit out the transformation behind a stand-in of the same kind, so
    // that the validation still sees an object, an array, null or a primitive where they were.
    const body = value;
    this.stripProtoKeys(body, false);
    const held = new Map<string, unknown>();
    for (const key of keys) {
      if (!Object.hasOwn(body, key)) continue;
      held.set(key, body[key]);
      body[key] = standIn(body[key]);
    }
    const entity = (await super.transform(body, metadata)) as Record<string, unknown>;
    for (const [key, original] of held) entity[key] = original;
    return entity;
  }

  /** The registered FastBodyCheck of a body class, if any. */
  protected fastCheck(metatype: unknown): FastBodyCheck | undefined {
    return typeof metatype === 'function' ? FAST_BODY_CHECKS.get(metatype) : undefined;
  }

  /**
   * Nest deletes `__proto__`, `prototype` and `constructor` at every depth. Inside a tool's
   * arguments or session metadata (free-form fields) the last two are ordinary data (a schema
   * may well have a `constructor` property) and the MCP door passes them on, so before those
   * fields are set aside (`everywhere` false) they go only from the body's own level;
   * `__proto__`, the key that pollutes a prototype when merged, still goes everywhere (the
   * body parser refuses it first: this is for bodies that came another way). Nest's own call,
   * once free-form fields are set aside, takes all three at every depth: class-transformer
   * walks a typed field's value and throws (a 500) on a nested `constructor` it cannot build.
   */
  protected override stripProtoKeys(value: unknown, everywhere = true): void {
    if (typeof value !== 'object' || value === null) return;
    Reflect.deleteProperty(value, 'prototype');
    Reflect.deleteProperty(value, 'constructor');
    const stack: unknown[] = [value];
    const seen = new WeakSet<object>();
    while (stack.length > 0) {
      const current = stack.pop();
      if (typeof current !== 'object' || current === null || seen.has(current)) continue;
      seen.add(current);
      if (Object.hasOwn(current, '__proto__')) Reflect.deleteProperty(current, '__proto__');
      if (everywhere && current !== value) {
        Reflect.deleteProperty(current, 'prototype');
        Reflect.deleteProperty(current, 'constructor');
      }
      for (const child of Object.values(current)) stack.push(child);
    }
  }

  protected override async validate(
    object: object,
    options?: Parameters<ValidationPipe['validate']>[1],
  ): Promise<ValidationError[]> {
    const errors = await super.validate(object, options);
    errors.forEach(simplify);
    return errors;
  }
}

/**
 * A body's own keys that name members every object inherits (toString, constructor...):
 * unknown fields, yet class-transformer skips them, as the class "has" them, so the whitelist
 * never sees them. `__proto__` is left to stripProtoKeys, which drops it at every depth.
 */
function inheritedMemberKeys(body: Record<string, unknown>): string[] {
  return Object.keys(body).filter(
    (key) => key !== '__proto__' && (key === 'prototype' || key in Object.prototype),
  );
}

/**
 * A query string's parameters that its class declares. The others are ignored, not refused,
 * on every route alike (most take no parameter at all): query strings pick up cache-busters
 * and tracking tags on the way, which must not break the one route that has parameters. A
 * body's unknown fields are still refused (API.md).
 */
function declaredOnly(query: Record<string, unknown>, metatype: unknown): Record<string, unknown> {
  if (typeof metatype !== 'function') return query;
  const declared = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(metatype, '', true, false)
      .map((rule) => rule.propertyName),
  );
  return Object.fromEntries(Object.entries(query).filter(([key]) => declared.has(key)));
}

/**
 * An optional field sent as null is one left out (clients in many languages write "no value"
 * as null; the queue door reads it so too). A null that got through validation is an optional
 * field's, since every required one refuses it, so the handler never has to tell null apart.
 */
function dropNulls(body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (value === null) Reflect.deleteProperty(body, key);
  }
}

function standIn(value: unknown): unknown {
  if (Array.isArray(value)) return [];
  return typeof value === 'object' && value !== null ? {} : value;
}

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function simplify(error: ValidationError): void {
  error.children?.forEach(simplify);
  const { constraints } = error;
  if (!constraints) return;
  const failed = Object.keys(constraints);
  // @IsOptional() skips an absent property, so one that fails while absent is required.
  if (error.value === undefined && !failed.includes('whitelistValidation')) {
    error.constraints = { isDefined: `${error.property} is required` };
    return;
  }
  // "must be longer than or equal to 1 characters" for "" says less than this.
  if (error.value === '' && constraints.isLength) {
    constraints.isLength = `${error.property} must not be empty`;
  }
  const types = failed.filter((key) => TYPE_CONSTRAINTS.has(key));
  if (types.length > 0 && types.length < failed.length) {
    error.constraints = Object.fromEntries(types.map((key) => [key, constraints[key]]));
  }
}
