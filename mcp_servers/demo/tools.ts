import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerCalculatorTool } from './calculator-tool.js';
import { registerEchoTool } from './echo-tool.js';
import { registerTimeTool } from './time-tool.js';

export const DEMO_SERVER_NAME = 'demo';
export const DEMO_SERVER_VERSION = '0.1.0';

/** A fresh `demo` MCP server with the time, calculator and echo tools; connect it to one transport. */
export function createDemoServer(): McpServer {
  const server = new McpServer(
    { name: DEMO_SERVER_NAME, title: 'MCP Gateway demo server', version: DEMO_SERVER_VERSION },
    {
      instructions:
        'Demo server for MCP Gateway. Tools: `time` (current time in any IANA zone), ' +
        '`calculator` (safe arithmetic) and `echo` (returns its message, optionally after a delay).',
    },
  );
  registerTimeTool(server);
  registerCalculatorTool(server);
  registerEchoTool(server);
  return server;
}
