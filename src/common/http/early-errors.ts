import { HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { toErrorBody } from './all-exceptions.filter.js';
import type { ErrorBody } from './error-body.js';
import type { RequestWithId } from './request-id.js';

const logger = new Logger('Errors');

/** The MCP doors answer in JSON-RPC, as MCP clients expect; every other route in API.md's shape. */
const JSON_RPC_PATHS = new Set(['/mcp', '/messages', '/sse']);

/**
 * Answers a request refused by middleware, before Nest routes it (and so before its exception
 * filter can): the same error body as everywhere else, or a JSON-RPC error on the MCP doors.
 */
export function answerEarly(error: unknown, req: Request, res: Response): void {
  sendErrorBody(toErrorBody(error, (req as RequestWithId).requestId, logger), req, res);
}

/**
 * Writes an error body with the headers its code calls for (Allow, WWW-Authenticate,
 * Retry-After): in API.md's shape, or as a JSON-RPC error on the MCP doors, whose clients
 * read nothing else. Used before routing (answerEarly) and after it (the exception filter),
 * so a refusal reads the same whichever layer made it.
 */
export function sendErrorBody(body: ErrorBody, req: Request, res: Response): void {
  const details = body.details as { allowed?: string[]; retry_after_s?: number } | undefined;
  if (body.code === (ErrorCode.METHOD_NOT_ALLOWED as string) && details?.allowed) {
    res.setHeader('Allow', details.allowed.join(', '));
  }
  if (body.code === (ErrorCode.UNAUTHENTICATED as string)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="mcp-gateway"');
  }
  if (details?.retry_after_s !== undefined) {
    res.setHeader('Retry-After', String(details.retry_after_s));
  }
  res.status(body.statusCode).json(isMcpDoor(req) ? jsonRpcError(body) : body);
}

/** Express routes paths case-insensitively and with or without a trailing slash. */
function isMcpDoor(req: Request): boolean {
  return JSON_RPC_PATHS.has(req.path.toLowerCase().replace(/\/+$/, ''));
}

/**
 * The MCP door's code for a refusal for load (RATE_LIMITED_RPC in mcp/server/downstream-errors):
 * a rate-limited message reads the same whether the HTTP request or the tool call was refused.
 */
const RATE_LIMITED_RPC = -32029;

function jsonRpcCodeOf(body: ErrorBody): number {
  if (body.statusCode === (HttpStatus.TOO_MANY_REQUESTS as number)) return RATE_LIMITED_RPC;
  if (body.statusCode !== (HttpStatus.BAD_REQUEST as number)) return -32000;
  return body.message.startsWith('Malformed') ? -32700 : -32600;
}

/**
 * The JSON-RPC codes the MCP SDK's own transports use for the same refusals; `data` carries
 * the gateway's code (and when to retry), as on the door's other errors.
 */
function jsonRpcError(body: ErrorBody) {
  const code = jsonRpcCodeOf(body);
  const retryAfter = (body.details as { retry_after_s?: number } | undefined)?.retry_after_s;
  const data = {
    ...(body.code ? { code: body.code } : {}),
    ...(retryAfter !== undefined ? { retry_after_s: retryAfter } : {}),
  };
  return {
    jsonrpc: '2.0',
    error: { code, message: body.message, ...(Object.keys(data).length > 0 ? { data } : {}) },
    id: null,
  };
}
