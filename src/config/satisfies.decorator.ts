import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A class-validator constraint from a function that says what is wrong with a string value,
 * or undefined when nothing is: the start-up error then gives that reason, not a generic one.
 */
export function Satisfies(
  problem: (value: string) => string | undefined,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: problem.name,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && problem(value) === undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? (problem(args.value) ?? '')
            : `${args?.property ?? 'value'} must be a string`,
      },
    },
    options,
  );
}
