import { describe, expect, it } from '@jest/globals';
import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { toGatewayError } from './upstream-errors.js';

const context = { server: 's', tool: 't', timeoutMs: 1000 };

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
});
