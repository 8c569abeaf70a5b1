import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { errorMessage } from '../common/errors/error-message.js';

/** One request to an upstream server, as far as telling its failure apart goes. */
export interface UpstreamRequest {
  timeoutMs: number;
  /** Whether the connection was still up when the failure arrived. */
  connected: boolean;
  /** The caller gave up on it (hung up, cancelled). */
  aborted?: boolean;
}

/** How a request got no answer, as the gateway itself saw it. */
export type NoAnswer = 'timeout' | 'cancelled' | 'closed';

/**
 * The SDK fails a request that got no answer with -32001 (its timer fired, or the caller
 * aborted) or -32000 (the connection closed). A server may answer with those codes too:
 * -32000 is JSON-RPC's generic "server error". Only the SDK's own are a timeout or a close.
 */
export function noAnswer(error: McpError, request: UpstreamRequest): NoAnswer | undefined {
  if (error.code === (McpErrorCode.RequestTimeout as number)) {
    if (isSdkTimeout(error)) return 'timeout';
    // Once the caller aborted, the SDK drops whatever the server answers: the error is its own.
    if (request.aborted) return 'cancelled';
  }
  // The SDK fails pending requests with -32000 only after it dropped the transport.
  if (error.code === (McpErrorCode.ConnectionClosed as number) && !request.connected) {
    return 'closed';
  }
  return undefined;
}

/**
 * The error of the SDK's request timer (shared/protocol.js): 'Request timed out' with
 * `{ timeout }` as data. A server relaying such an error through its own SDK sends it with
 * the "MCP error -32001:" prefix in the message, so this does not take it for ours.
 */
export function isSdkTimeout(error: unknown): boolean {
  if (!(error instanceof McpError)) return false;
  const data = error.data as { timeout?: unknown } | undefined;
  return (
    error.code === (McpErrorCode.RequestTimeout as number) &&
    error.message === `MCP error ${McpErrorCode.RequestTimeout}: Request timed out` &&
    typeof data?.timeout === 'number'
  );
}

/**
 * A server's answer that reached the gateway whole but is not MCP (JSON without the JSON-RPC
 * answer to the request): the server's fault, as an error it answered, not an outage.
 */
export class UpstreamProtocolError extends Error {}

/**
 * Translates what the SDK throws on a tool call, or on another request passed through
 * (`method`: resources/read, prompts/get...), into the gateway's error codes.
 */
export function toGatewayError(
  error: unknown,
  context: UpstreamRequest &
    ({ tool: string; method?: never } | { method: string; tool?: never }) & {
      server: string;
      closedReason?: string;
    },
): GatewayError {
  if (error instanceof GatewayError) return error;
  const where = context.method
    ? `server '${context.server}', method '${context.method}'`
    : `server '${context.server}', tool '${context.tool}'`;
  const request = context.method ? `The ${context.method} request` : 'Tool call';
  if (error instanceof McpError) {
    switch (noAnswer(error, context)) {
      case 'timeout':
        return new GatewayError(
          ErrorCode.UPSTREAM_TIMEOUT,
          // The timer's own figure: progress may have kept the call going past timeoutMs.
          `${request} timed out after ${timeoutOf(error) ?? context.timeoutMs} ms (${where}); a cancellation was sent to the server`,
        );
      case 'cancelled':
        return new GatewayError(
          ErrorCode.CANCELLED,
          `${request} cancelled by the caller (${where}); a cancellation was sent to the server`,
        );
      case 'closed':
        return new GatewayError(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Upstream connection closed during the call (${where})${context.closedReason ? `: ${context.closedReason}` : ''}`,
        );
      case undefined:
        break;
    }
    if (error.code === (McpErrorCode.InvalidParams as number)) {
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
    }
    return new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `Upstream error (${where}): ${stripCode(error.message)}`,
    );
  }
  const message = errorMessage(error);
  if (error instanceof UpstreamProtocolError) {
    return new GatewayError(ErrorCode.UPSTREAM_ERROR, `Upstream error (${where}): ${message}`);
  }
  return new GatewayError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    `Upstream unavailable (${where}): ${message}`,
  );
}

function timeoutOf(error: McpError): number | undefined {
  return (error.data as { timeout?: number } | undefined)?.timeout;
}

/** McpError prefixes its message with "MCP error -32602:"; callers want the words. */
function stripCode(message: string): string {
  return message.replace(/^MCP error -?\d+:\s*/, '');
}
