import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths.js';

export const GATEWAY_CLI = resolve(REPO_ROOT, 'dist/src/cli.js');
export const CONFORMANCE_SERVER = resolve(REPO_ROOT, 'dist/mcp_servers/conformance-server.js');
export const DELAYED_SAMPLING_SERVER = resolve(
  REPO_ROOT,
  'dist/mcp_servers/fixtures/delayed-sampling-server.js',
);
export const CANCEL_RECORDER = resolve(
  REPO_ROOT,
  'dist/mcp_servers/fixtures/cancel-recorder-server.js',
);
export const LISTS_SERVER = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/lists-server.js');

/** The lists fixture as a servers-file entry, with its arguments (see lists-server.ts). */
export function listsServer(...args: string[]) {
  return { command: 'node', args: [LISTS_SERVER, ...args] };
}

/** A client that can answer sampling and elicitation, so relays can be tested. */
export function newClient(): Client {
  return new Client(
    { name: 'e2e-client', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} } } },
  );
}

export async function connectStreamableHttp(
  baseUrl: string,
  headers: Record<string, string> = {},
  client = newClient(),
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers },
  });
  await client.connect(transport);
  return { client, transport };
}

export async function connectSse(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = newClient();
  const transport = new SSEClientTransport(new URL(`${baseUrl}/sse`), {
    requestInit: { headers },
    eventSourceInit: {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), ...headers },
        }),
    },
  });
  await client.connect(transport);
  return client;
}

/** `mcp-gateway --stdio` as a desktop client would start it. */
export async function connectStdio(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const client = newClient();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GATEWAY_CLI, '--stdio', ...args],
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  await client.connect(transport);
  return { client, transport };
}

export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}
