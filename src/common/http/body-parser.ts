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
  const parseJson = express.json({
    limit,
    strict: true,
    type: ['application/json', 'application/*+json'],
    // Kept (a reference, no copy) for the duplicate-name check, which needs the text.
    verify: (req, _res, raw, encoding) => {
      (req as RawJsonRequest).rawJson = { raw, encoding };
    },
  });
  return [
    requireJsonMediaType,
    // Every type the media-type check lets through, `+json` ones included, is parsed as JSON.
    (req: Request, res: Response, next: NextFunction) =>
      isPlainJsonBody(req, limit) ? readPlainJson(req, next) : parseJson(req, res, next),
    limitShape,
    (error: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(error);
      answerEarly(routeMissError(req) ?? nonObjectJsonBody(error) ?? error, req, res);
    },
  ] as const;
}

/**
 * The media types read here, lower-cased: JSON in UTF-8, said or implied, and no other
 * parameter. Anything else, other spellings of these included, goes to body-parser, which
 * reads the charset its own way (the first one given, names in any case).
 */
const PLAIN_JSON_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'application/json; charset="utf-8"',
]);

/**
 * A body body-parser would read as plain bytes: a Content-Length within the limit, no
 * Content-Encoding, and one of the media types above. Every tool call's body is one. Anything
 * else (chunked, compressed, another charset or type, too large, a request already read) goes
 * to body-parser, which words those cases.
 */
function isPlainJsonBody(req: Request, limit: number): boolean {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const length = Number(headers['content-length']);
  if (!Number.isInteger(length) || length <= 0 || length > limit) return false;
  if (req.readableEnded || req.destroyed) return false;
  return PLAIN_JSON_TYPES.has((headers['content-type'] ?? '').toLowerCase());
}

/**
 * What body-parser does for such a body, without its machinery (raw-body's listeners, the
 * media type and charset parsed again, iconv): about 3% of an MCP-door tool call's
 * instructions under callgrind. The outcomes are body-parser's, down to its errors' `type`,
 * which the error handler answers from: a UTF-8 BOM is skipped, bad JSON and a top-level value
 * other than an object or array are `entity.parse.failed` with the text (strict mode), a body
 * cut short by the client is `request.aborted` and a stream error a 400.
 */
function readPlainJson(req: Request, next: NextFunction): void {
  const chunks: Buffer[] = [];
  const onData = (chunk: Buffer) => chunks.push(chunk);
  // A client gone before the end of its body: 'aborted', or on some paths only 'close'
  // (after 'end', done() has removed this listener).
  const onAborted = () => {
    done();
    next(bodyError('request aborted', 'request.aborted'));
  };
  // A stream error is the client's, a 400 with the stream's words, as body-parser makes it.
  const onError = (error: Error) => {
    done();
    next(Object.assign(error, { status: 400, statusCode: 400, expose: true }));
  };
  const onEnd = () => {
    done();
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let text = raw.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let value: unknown;
    try {
      value = parseStrictJson(text);
    } catch (error) {
      return next(bodyError((error as Error).message, 'entity.parse.failed', text));
    }
    req.body = value;
    (req as RawJsonRequest).rawJson = { text };
    next();
  };
  const done = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('aborted', onAborted);
    req.off('close', onAborted);
    req.off('error', onError);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onAborted);
  req.on('close', onAborted);
  req.on('error', onError);
}

const FIRST_NON_WHITESPACE_RE = /^[ \t\n\r]*([^ \t\n\r]|$)/;

/**
 * body-parser's strict JSON.parse, with its messages: an empty text is `{}`, and a text whose
 * first character is not `{` or `[` fails with the message JSON.parse gives for that character
 * ("Unexpected token 'n', "null" is not valid JSON", valid JSON or not).
 */
function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = FIRST_NON_WHITESPACE_RE.exec(text)?.[1] || undefined;
  if (first === '{' || first === '[') return JSON.parse(text);
  const index = first === undefined ? -1 : text.indexOf(first);
  const masked = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(masked);
  } catch (error) {
    const message = (error as Error).message.replace(/#+/g, (mask) =>
      text.substring(index, index + mask.length),
    );
    throw new SyntaxError(message, { cause: error });
  }
  throw new SyntaxError('strict violation');
}

/** An error shaped as body-parser's (http-errors): the error handler reads `type` and `body`. */
function bodyError(message: string, type: string, body?: string): Error {
  return Object.assign(new Error(message), {
    status: 400,
    statusCode: 400,
    expose: true,
    type,
    body,
  });
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
  /** The body's bytes as body-parser read them, or the text the plain reader decoded. */
  rawJson?: { raw: Buffer; encoding: string } | { text: string };
}

function limitShape(req: Request, _res: Response, next: NextFunction): void {
  const problem = jsonShapeProblem(req.body, MAX_JSON_DEPTH);
  if (problem) return next(new GatewayError(ErrorCode.INVALID_REQUEST, `JSON body ${problem}`));
  const rawJson = (req as RawJsonRequest).rawJson;
  (req as RawJsonRequest).rawJson = undefined;
  if (rawJson) {
    const text = 'text' in rawJson ? rawJson.text : decode(rawJson.raw, rawJson.encoding);
    const twice = duplicateMemberName(text);
    if (twice !== undefined) {
      const name = JSON.stringify(twice.slice(0, 100));
      return next(
        new GatewayError(ErrorCode.INVALID_REQUEST, `JSON body names ${name} twice in one object`),
      );
    }
  }
  next();
}
