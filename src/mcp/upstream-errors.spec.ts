import { describe, expect, it } from '@jest/globals';
import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { toGatewayError } from './upstream-errors.js';

const context = { server: 's', tool: 't', timeoutMs: 1000, connected: true };

describe('toGatewayError', () => {
  it("blames the caller's arguments for -32602, but the server for its own invalid result", () => {
    const badArgs = new McpError(McpErrorCode.InvalidParams, 'Invalid arguments for tool t');
    expect(toGatewayError(badArgs, context).code).toBe('INVALID_ARGUMENTS');
    const badResult = new McpError(
      McpErrorCode.InvalidParams,
      'Invalid tools/call result: content: expected array, received string',
    );
    const mapped = toGatewayError(badResult, context);
    expect(mapped.code).toBe('UPSTREAM_ERROR');
    expect(mapped.message).toContain('expected array');
    expect(mapped.message).not.toContain('MCP error');
  });

  it("reports the SDK's own timeout and close as such", () => {
    // As shared/protocol.js builds them.
    const timedOut = new McpError(McpErrorCode.RequestTimeout, 'Request timed out', {
      timeout: 1000,
    });
    expect(toGatewayError(timedOut, context).code).toBe('UPSTREAM_TIMEOUT');
    const closed = new McpError(McpErrorCode.ConnectionClosed, 'Connection closed');
    const mapped = toGatewayError(closed, { ...context, connected: false, closedReason: 'gone' });
    expect(mapped.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(mapped.message).toContain('connection closed during the call');
    expect(mapped.message).toContain('gone');
  });

  it('reports a -32000 or -32001 answer of the server as its error, with its message', () => {
    const generic = new McpError(McpErrorCode.ConnectionClosed, 'database is locked');
    expect(toGatewayError(generic, context)).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: "Upstream error (server 's', tool 't'): database is locked",
    });
    // Even in the SDK's words, while the connection is up.
    const closedWords = new McpError(McpErrorCode.ConnectionClosed, 'Connection closed');
    expect(toGatewayError(closedWords, context).code).toBe('UPSTREAM_ERROR');
    // A server relaying its own upstream's timeout, through the SDK.
    const relayed = new McpError(
      McpErrorCode.RequestTimeout,
      'MCP error -32001: Request timed out',
      { timeout: 1000 },
    );
    expect(toGatewayError(relayed, context).code).toBe('UPSTREAM_ERROR');
    const noData = new McpError(McpErrorCode.RequestTimeout, 'Request timed out');
    expect(toGatewayError(noData, context).code).toBe('UPSTREAM_ERROR');
  });

  it('says a call the caller aborted was cancelled, not that it timed out', () => {
    const aborted = new McpError(McpErrorCode.RequestTimeout, 'Error: client disconnected');
    const mapped = toGatewayError(aborted, { ...context, aborted: true });
    expect(mapped.code).toBe('CANCELLED');
    expect(mapped.message).toContain('cancelled by the caller');
    expect(mapped.message).not.toContain('timed out');
  });
});
