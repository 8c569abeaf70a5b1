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
  const body = toErrorBody(error, (req as RequestWithId).requestId, logger);
  if (body.code === (ErrorCode.UNAUTHENTICATED as string)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="mcp-gateway"');
  }
  res.status(body.statusCode).json(JSON_RPC_PATHS.has(req.path) ? jsonRpcError(body) : body);
}

/** The JSON-RPC codes the MCP SDK's own transports use for the same refusals. */
function jsonRpcError(body: ErrorBody) {
  const badRequest = body.statusCode === (HttpStatus.BAD_REQUEST as number);
  const code = badRequest ? (body.message.startsWith('Malformed') ? -32700 : -32600) : -32000;
  return { jsonrpc: '2.0', error: { code, message: body.message }, id: null };
}
