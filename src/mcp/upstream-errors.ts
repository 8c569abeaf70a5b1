import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { errorMessage } from '../common/errors/error-message.js';

/** Translates what the SDK throws on a tool call into the gateway's error codes. */
export function toGatewayError(
  error: unknown,
  context: { server: string; tool: string; timeoutMs: number; closedReason?: string },
): GatewayError {
  if (error instanceof GatewayError) return error;
  const where = `server '${context.server}', tool '${context.tool}'`;
  if (error instanceof McpError) {
    switch (error.code as McpErrorCode) {
      case McpErrorCode.RequestTimeout:
        return new GatewayError(
          ErrorCode.UPSTREAM_TIMEOUT,
          `Tool call timed out after ${context.timeoutMs} ms (${where}); a cancellation was sent to the server`,
        );
      case McpErrorCode.ConnectionClosed:
        return new GatewayError(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Upstream connection closed during the call (${where})${context.closedReason ? `: ${context.closedReason}` : ''}`,
        );
      case McpErrorCode.InvalidParams:
        // The SDK's server checks its own tool's result and reports a bad one with this code:
        // the server's fault (502), not the caller's arguments.
        if (stripCode(error.message).startsWith('Invalid tools/call result')) {
          return new GatewayError(
            ErrorCode.UPSTREAM_ERROR,
            `Upstream server failed to produce a valid result (${where}): ${stripCode(error.message)}`,
          );
        }
        return new GatewayError(
          ErrorCode.INVALID_ARGUMENTS,
          `Upstream rejected the call (${where}): ${stripCode(error.message)}`,
        );
      default:
        return new GatewayError(
          ErrorCode.UPSTREAM_ERROR,
          `Upstream error (${where}): ${stripCode(error.message)}`,
        );
    }
  }
  const message = errorMessage(error);
  return new GatewayError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    `Upstream unavailable (${where}): ${message}`,
  );
}

/** McpError prefixes its message with "MCP error -32602:"; callers want the words. */
function stripCode(message: string): string {
  return message.replace(/^MCP error -?\d+:\s*/, '');
}
