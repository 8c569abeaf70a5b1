import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { GatewayError } from '../../common/errors/gateway-error.js';
import type { ToolResult } from '../upstream-client.js';
import { protocolError } from '../protocol-error.js';
import { isJsonObject } from '../../common/json-shape.js';

/** MCP's code for an unknown resource (spec, server/resources, error handling). */
export const RESOURCE_NOT_FOUND = -32002;

/**
 * A call refused for load before it ran: over RATE_LIMIT_TOOL_PER_MINUTE, or over the calls
 * in flight allowed per key or in total. MCP and JSON-RPC name no code for it; this one is in
 * JSON-RPC's range for implementation-defined server errors, and reads as HTTP 429. `data`
 * carries `code` (RATE_LIMITED, CONCURRENCY_LIMIT, GATEWAY_BUSY or SERVER_BUSY) and `retry_after_s`, as the
 * REST door's body does.
 */
export const RATE_LIMITED_RPC = -32029;

/** Refusals where the tool never ran and the caller, not the model, must act. */
const PROTOCOL_ERRORS = new Set<ErrorCode>([
  ErrorCode.TOOL_NOT_FOUND,
  ErrorCode.TOOL_AMBIGUOUS,
  ErrorCode.SESSION_NOT_FOUND,
  ErrorCode.RATE_LIMITED,
  ErrorCode.CONCURRENCY_LIMIT,
  ErrorCode.GATEWAY_BUSY,
  ErrorCode.SERVER_BUSY,
]);

/**
 * A failed tools/call as the MCP door answers it. Naming a tool that does not exist is a
 * protocol error (the spec's "Unknown tool"); everything that happens once the tool is
 * known (bad arguments, server down, timeout, upstream error) is an `isError` result, so a
 * model sees the message and can correct itself. A call refused for load (rate limit, calls
 * in flight) is a protocol error too: the tool never ran, nothing in the call is the model's
 * to correct, and the client (which retries, and is the one metered) needs a code it can act
 * on, not prose.
 */
export function toolCallFailure(error: unknown): ToolResult {
  if (error instanceof GatewayError && PROTOCOL_ERRORS.has(error.code)) throw toMcpError(error);
  if (!(error instanceof GatewayError)) throw error;
  return {
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    isError: true,
  };
}

/**
 * Any other failure as a JSON-RPC error. An upstream server's own code is kept, and so is its
 * `data` (a -32002's `uri`, say), with the gateway's `code` beside it: clients read both.
 */
export function toMcpError(error: unknown): McpError {
  if (error instanceof McpError) return error;
  if (!(error instanceof GatewayError)) {
    return protocolError(McpErrorCode.InternalError, errorMessage(error));
  }
  const upstream = error.details as { mcpCode?: unknown; mcpData?: unknown } | undefined;
  if (typeof upstream?.mcpCode === 'number') {
    const upstreamData = isJsonObject(upstream.mcpData) ? upstream.mcpData : {};
    return protocolError(upstream.mcpCode, stripPrefix(error.message), {
      ...upstreamData,
      code: error.code,
    });
  }
  const retryAfter = (error.details as { retry_after_s?: unknown } | undefined)?.retry_after_s;
  const data = typeof retryAfter === 'number' ? { retry_after_s: retryAfter } : {};
  return protocolError(codeFor(error.code), error.message, { code: error.code, ...data });
}

function codeFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.INVALID_REQUEST:
    case ErrorCode.INVALID_ARGUMENTS:
    case ErrorCode.TOOL_NOT_FOUND:
    case ErrorCode.TOOL_AMBIGUOUS:
    case ErrorCode.SERVER_NOT_FOUND:
      return McpErrorCode.InvalidParams;
    case ErrorCode.SESSION_NOT_FOUND:
      return McpErrorCode.InvalidRequest;
    case ErrorCode.UPSTREAM_TIMEOUT:
      return McpErrorCode.RequestTimeout;
    case ErrorCode.RATE_LIMITED:
    case ErrorCode.CONCURRENCY_LIMIT:
    case ErrorCode.GATEWAY_BUSY:
    case ErrorCode.SERVER_BUSY:
      return RATE_LIMITED_RPC;
    default:
      return McpErrorCode.InternalError;
  }
}

/** McpError adds "MCP error <code>:" itself; the upstream message may already carry one. */
function stripPrefix(message: string): string {
  return message.replace(/MCP error -?\d+:\s*/g, '');
}
