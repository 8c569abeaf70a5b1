/**
 * Checked arithmetic shared by the expression parser and the calculator's
 * `operation` mode. Every function either returns a finite number or throws a
 * {@link CalculationError} with a message fit to show to a user.
 */

/** A well-formed calculation that has no finite real result (division by zero, overflow, ...). */
export class CalculationError extends Error {
  override readonly name = 'CalculationError';
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '^';

/** Throws unless `value` is a finite real number; `what` names the computation for the message. */
export function ensureFinite(value: number, what: string): number {
  if (Number.isNaN(value)) {
    throw new CalculationError(`${what} is not a real number`);
  }
  if (!Number.isFinite(value)) {
    throw new CalculationError(`${what} overflows (the result is too large to represent)`);
  }
  return value;
}

export function applyBinary(op: BinaryOperator, a: number, b: number): number {
  switch (op) {
    case '+':
      return ensureFinite(a + b, `${a} + ${b}`);
    case '-':
      return ensureFinite(a - b, `${a} - ${b}`);
    case '*':
      return ensureFinite(a * b, `${a} * ${b}`);
    case '/':
      if (b === 0) throw new CalculationError(`Division by zero (${a} / ${b})`);
      return ensureFinite(a / b, `${a} / ${b}`);
    case '%':
      if (b === 0) throw new CalculationError(`Modulo by zero (${a} % ${b})`);
      return ensureFinite(a % b, `${a} % ${b}`);
    case '^':
      if (a === 0 && b < 0) {
        throw new CalculationError(`Division by zero (0 raised to the negative power ${b})`);
      }
      return ensureFinite(Math.pow(a, b), `${a} ^ ${b}`);
  }
}

/** Rounds away binary floating-point noise (0.1 + 0.2 -> 0.3) without touching integers. */
export function tidyResult(value: number): number {
  if (Number.isInteger(value)) return value;
  const tidy = Number(value.toPrecision(15));
  return Object.is(tidy, -0) ? 0 : tidy;
}
