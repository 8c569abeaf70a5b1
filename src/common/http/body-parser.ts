import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { GatewayError } from '../errors/gateway-error.js';
import { duplicateMemberName, jsonShapeProblem, MAX_JSON_DEPTH } from '../json-shape.js';
import { nonObjectJsonBody } from './body-shape.js';
import { answerEarly } from './early-errors.js';
import { routeMissError } from './unmatched-route.js';
import { countHeader } from './header-count.js';

/**
 * JSON bodies up to `limit` bytes, nested at most MAX_JSON_DEPTH deep. Problems with a body
 * (wrong media type, bad JSON, too large, too deep, a bad Content-Encoding) are found before
 * Nest routes the request: the error handler at the end answers them with the same JSON
 * error body as everything else, or a JSON-RPC error on the MCP doors; on a path or method
 * no route serves, with the 404 or 405 routing would have given.
 */
export function jsonBodyParser(limit: number) {
  return [
    requireJsonMediaType,
    // Every type the media-type check lets through, `+json` ones included, is parsed as JSON.
    express.json({
      limit,
      strict: true,
      type: ['application/json', 'application/*+json'],
      // Kept (a reference, no copy) for the duplicate-name check, which needs the text.
      verify: (req, _res, raw, encoding) => {
        (req as RawJsonRequest).rawJson = { raw, encoding };
      },
    }),
    limitShape,
    (error: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(error);
      answerEarly(routeMissError(req) ?? nonObjectJsonBody(error) ?? error, req, res);
    },
  ] as const;
}

/** A body that is not JSON would be skipped by the parser and then misreported as missing fields. */
function requireJsonMediaType(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return next();
  // Node keeps the first of two; a proxy in front, or the tool behind, may read the other.
  if (countHeader(req.rawHeaders, 'content-type') > 1) {
    return next(
      new GatewayError(ErrorCode.INVALID_REQUEST, 'The Content-Type header is sent twice'),
    );
  }
  if (req.is(['application/json', '+json'])) return next();
  const given = req.headers['content-type'] ?? 'none';
  next(
    new GatewayError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type must be application/json (got ${given.slice(0, 100)})`,
    ),
  );
}

/** The body as the parser read it (UTF-8, or UTF-16/32 by its charset); '' if not decodable here. */
function decode(raw: Buffer, encoding: string): string {
  // The common case without a TextDecoder built per request: Buffer decodes UTF-8 alike (bad
  // bytes as U+FFFD); it keeps a leading BOM, which lies outside any name the check reads.
  if (encoding === 'utf-8') return raw.toString('utf8');
  try {
    return new TextDecoder(encoding).decode(raw);
  } catch {
    return '';
  }
}

interface RawJsonRequest extends Request {
  rawJson?: { raw: Buffer; encoding: string };
}

function limitShape(req: Request, _res: Response, next: NextFunction): void {
  const problem = jsonShapeProblem(req.body, MAX_JSON_DEPTH);
  if (problem) return next(new GatewayError(ErrorCode.INVALID_REQUEST, `JSON body ${problem}`));
  const rawJson = (req as RawJsonRequest).rawJson;
  (req as RawJsonRequest).rawJson = undefined;
  if (rawJson) {
    const twice = duplicateMemberName(decode(rawJson.raw, rawJson.encoding));
    if (twice !== undefined) {
      const name = JSON.stringify(twice.slice(0, 100));
      return next(
        new GatewayError(ErrorCode.INVALID_REQUEST, `JSON body names ${name} twice in one object`),
      );
    }
  }
  next();
}
