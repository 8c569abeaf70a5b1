/**
 * One load session per kind of client: the light MCP client, the REST door, the SDK Client.
 * Each is set up once (initialize) and then called back to back by the closed loop.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Pool } from 'undici';
import { checkEchoResult } from './echo-check.js';
import { McpHttpSession } from './mcp-http-client.js';

export interface LoadSession {
  /** One echo call; throws when the answer is wrong or missing. */
  call(message: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens one session; `pool` is the run's keep-alive pool to the target's origin. */
export type SessionFactory = (pool: Pool, origin: string) => Promise<LoadSession>;

/** The light client: MCP streamable HTTP over the shared pool. */
export function mcpLight(path: string, tool: string): SessionFactory {
  return async (pool) => {
    const session = new McpHttpSession(pool, path);
    await session.initialize();
    return {
      call: async (message) => checkEchoResult(await session.callTool(tool, { message }), message),
      close: () => session.close(),
    };
  };
}

/** The gateway's REST door, POST /mcp/execute, over the shared pool. */
export function restExecute(tool: string): SessionFactory {
  return (pool) =>
    Promise.resolve({
      call: async (message) => {
        const res = await pool.request({
          method: 'POST',
          path: '/mcp/execute',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tool_name: tool, args: { message } }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) {
          throw new Error(`POST /mcp/execute: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
        }
        const body = JSON.parse(text) as { result?: unknown };
        checkEchoResult(body.result, message);
      },
      close: () => Promise.resolve(),
    });
}

/** The SDK Client over its own streamable-HTTP transport (fetch): realistic, but CPU-heavy. */
export function sdkClient(path: string, tool: string): SessionFactory {
  return async (_pool, origin) => {
    const client = new Client({ name: 'proxy-bench-sdk', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(path, origin));
    await client.connect(transport);
    return {
      call: async (message) =>
        checkEchoResult(await client.callTool({ name: tool, arguments: { message } }), message),
      close: async () => {
        await transport.terminateSession().catch(() => undefined);
        await client.close();
      },
    };
  };
}
