import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { GatewayError } from '../errors/gateway-error.js';
import { nonObjectJsonBody } from './body-shape.js';
import { answerEarly } from './early-errors.js';

/**
 * Deeper than any tool's arguments need. Without a bound, a few kilobytes of `[[[[...]]]]`
 * overflow the stack of every recursive step after parsing (validation, transformation).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * JSON bodies up to `limit` bytes, nested at most MAX_JSON_DEPTH deep. Problems with a body
 * (wrong media type, bad JSON, too large, too deep, a bad Content-Encoding) are found before
 * Nest routes the request: the error handler at the end answers them with the same JSON
 * error body as everything else, or a JSON-RPC error on the MCP doors.
 */
export function jsonBodyParser(limit: number) {
  return [
    requireJsonMediaType,
    // Every type the media-type check lets through, `+json` ones included, is parsed as JSON.
    express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] }),
    limitShape,
    (error: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(error);
      answerEarly(nonObjectJsonBody(error) ?? error, req, res);
    },
  ] as const;
}

/** A body that is not JSON would be skipped by the parser and then misreported as missing fields. */
function requireJsonMediaType(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is(['application/json', '+json'])) return next();
  const given = req.headers['content-type'] ?? 'none';
  next(
    new GatewayError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type must be application/json (got ${given.slice(0, 100)})`,
    ),
  );
}

function limitShape(req: Request, _res: Response, next: NextFunction): void {
  const problem = shapeProblem(req.body, MAX_JSON_DEPTH);
  if (problem) return next(new GatewayError(ErrorCode.INVALID_REQUEST, problem));
  next();
}

/**
 * Too deep, or a number JSON.parse could only read as ±Infinity (1e400): passed on, it would
 * reach the tool as null. Iterative, so that the check itself cannot overflow the stack it
 * protects.
 */
function shapeProblem(root: unknown, max: number): string | undefined {
  const stack: [unknown, number, string][] = [[root, 1, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return `JSON body has a number too large to represent${path ? ` at ${path.slice(1, 201)}` : ''}`;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return `JSON body is nested deeper than ${max} levels`;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'number' || (typeof child === 'object' && child !== null)) {
        stack.push([child, depth + 1, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`]);
      }
    }
  }
  return undefined;
}
