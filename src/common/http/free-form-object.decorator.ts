import { applyDecorators } from '@nestjs/common';
import { IsObject, ValidateIf } from 'class-validator';

const FREE_FORM = new WeakMap<object, Set<string>>();

/**
 * A free-form JSON object in a request body (tool arguments, session metadata, a servers
 * config): kept exactly as sent. class-transformer would rebuild it, dropping keys such as
 * `toString` and failing outright on a `constructor` key, so GatewayValidationPipe keeps it
 * out of the transformation (see freeFormKeys). An optional one may be left out or sent as
 * `null`, which the pipe then drops: null means absent for every optional field.
 */
export function FreeFormObject(options: { optional?: boolean } = {}): PropertyDecorator {
  const register: PropertyDecorator = (target, key) => {
    const keys = FREE_FORM.get(target.constructor) ?? new Set<string>();
    keys.add(String(key));
    FREE_FORM.set(target.constructor, keys);
  };
  return applyDecorators(
    register,
    ...(options.optional ? [ValidateIf((_, value) => value !== undefined && value !== null)] : []),
    IsObject(),
  );
}

/** The free-form properties of a body class. */
export function freeFormKeys(metatype: unknown): ReadonlySet<string> {
  return (typeof metatype === 'function' && FREE_FORM.get(metatype)) || new Set();
}
