import {
  BadRequestException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { notAnObjectMessage } from './body-shape.js';

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
 * Nest's ValidationPipe with messages a caller can act on. It runs every constraint of a
 * property (stopAtFirstError is off, so that each property gets reported), which for one
 * mistake listed every rule the value was never checked against:
 * - a body that is not a JSON object (an array) is refused as such, not as "property 0 should
 *   not exist";
 * - a missing required field is "<field> is required", not its length rule;
 * - a value of the wrong type gets only its type message ("limit must be an integer number"),
 *   not also the range it could not be compared with.
 */
export class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const wholeBody = metadata.type === 'body' && metadata.data === undefined;
    if (wholeBody && value !== undefined && this.toValidate(metadata) && !isJsonObject(value)) {
      throw new BadRequestException([notAnObjectMessage(value)]);
    }
    return super.transform(value, metadata);
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

function isJsonObject(value: unknown): boolean {
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
  const types = failed.filter((key) => TYPE_CONSTRAINTS.has(key));
  if (types.length > 0 && types.length < failed.length) {
    error.constraints = Object.fromEntries(types.map((key) => [key, constraints[key]]));
  }
}
