import type { ServerResponse } from 'node:http';
import { ErrorCode as McpErrorCode, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { GatewayError } from '../../common/errors/gateway-error.js';
import { isRedisUnavailable } from '../../common/redis/redis-unavailable.js';

/**
 * An HTTP error on an MCP endpoint, as the transports answer theirs: a JSON-RPC error body.
 * On Node's response, so the door's transport answers with it too (Express's extends it).
 */
export function replyError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  data?: unknown,
  /** The request's, when it could be read; JSON-RPC answers null otherwise. */
  id: RequestId | null = null,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code, message, ...(data ? { data } : {}) },
      id,
    }),
  );
}

/** Opening an MCP session failed: an unknown gateway session is a 404, as on the REST API. */
export function replyOpenFailure(res: ServerResponse, error: unknown): void {
  if (error instanceof GatewayError && error.code === ErrorCode.SESSION_NOT_FOUND) {
    return replyError(res, 404, McpErrorCode.InvalidRequest, error.message, { code: error.code });
  }
  if (isRedisUnavailable(error)) {
    // As REST answers it: the store is away for a moment, try again; not a fault of ours.
    return replyError(
      res,
      503,
      McpErrorCode.InternalError,
      "The gateway's store (Redis) does not answer; try again shortly",
      { code: ErrorCode.STORE_UNAVAILABLE },
    );
  }
  replyError(res, 500, McpErrorCode.InternalError, errorMessage(error));
}
