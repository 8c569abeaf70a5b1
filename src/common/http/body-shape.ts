import { ErrorCode } from '../errors/error-code.js';
import { GatewayError } from '../errors/gateway-error.js';

/** What a JSON value is, in the words of an error message: "null", "an array", "a number". */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The one message for a body that is JSON but not the object every REST route takes. */
export function notAnObjectMessage(value: unknown): string {
  return `The request body must be a JSON object, not ${jsonKind(value)}`;
}

interface ParseFailure {
  type?: unknown;
  body?: unknown;
}

/**
 * body-parser's strict mode refuses a body that does not start with `{` or `[` as a syntax
 * error, so valid JSON such as `null` or `5` was answered "... is not valid JSON". This tells
 * those apart from real syntax errors: the error for them, or undefined for anything else.
 */
export function nonObjectJsonBody(error: unknown): GatewayError | undefined {
  const failure = error as ParseFailure | null;
  if (failure?.type !== 'entity.parse.failed' || typeof failure.body !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(failure.body);
  } catch {
    return undefined;
  }
  return new GatewayError(ErrorCode.INVALID_REQUEST, notAnObjectMessage(value));
}
