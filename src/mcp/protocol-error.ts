import { McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * A JSON-RPC error to send to the other side, whose message is the words alone. McpError
 * prefixes its message with "MCP error <code>: ", the SDK sends that message as it is, and the
 * receiving McpError prefixes it again: clients read "MCP error -32602: MCP error -32602: ...".
 */
export function protocolError(code: number, message: string, data?: unknown): McpError {
  const error = new McpError(code, message, data);
  error.message = message;
  return error;
}
