/**
 * The gateway as one MCP server, seen from the SDK's Client: list the tools, search them,
 * call the best match.
 *   npm start                                              # in one terminal
 *   npm run example:mcp [-- http://localhost:8000/mcp [X-Session-ID]]
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const url = new URL(process.argv[2] ?? 'http://localhost:8000/mcp');
const gatewaySession = process.argv[3];

interface SearchAnswer {
  strategy: string;
  tools: { name: string; score: number; reasoning: string }[];
}

const client = new Client({ name: 'mcp-gateway-example', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(url, {
  // Bind to a gateway session (its own servers) instead of the global scope.
  requestInit: gatewaySession ? { headers: { 'X-Session-ID': gatewaySession } } : undefined,
});
await client.connect(transport);
console.log(`connected to ${client.getServerVersion()?.name} at ${url.href}`);
console.log(`MCP session ${transport.sessionId}\n`);

const { tools } = await client.listTools();
for (const tool of tools) {
  console.log(`${tool.name}: ${(tool.description ?? '').split('\n')[0].slice(0, 80)}`);
}

const search = await client.callTool({
  name: 'search_tools',
  arguments: { query: 'calculate an arithmetic expression', limit: 3 },
});
const found = search.structuredContent as SearchAnswer | undefined;
console.log(`\nsearch_tools (${found?.strategy ?? '?'}):`);
for (const hit of found?.tools ?? []) {
  console.log(`  ${hit.name}  score ${hit.score}  ${hit.reasoning}`);
}

const best = found?.tools[0]?.name ?? 'demo__calculator';
const result = await client.callTool({
  name: 'call_tool',
  arguments: { name: best, arguments: { expression: '2 * (3 + 4) / 5 - 2^3' } },
});
const text = (result.content as { type: string; text?: string }[])
  .map((c) => c.text ?? `[${c.type}]`)
  .join(' ');
console.log(`\n${best} -> ${text}${result.isError ? ' (tool reported an error)' : ''}`);

// Ends the MCP session on the gateway (DELETE /mcp), then closes the connection.
await transport.terminateSession();
await client.close();
