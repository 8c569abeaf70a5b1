/**
 * Helper process for the scale part of the proxy benchmark: N streamable-HTTP MCP servers
 * with M tools each, all served from this one process (bench/lib/search/dataset-mcp-servers.ts).
 * Prints one line, `{"mcpServers": {...}}`, then serves until stdin closes or a signal.
 *
 *   node dist/bench/lib/load/many-servers-host.js <servers> <tools-per-server>
 */
import type { DatasetTool } from '../search/datasets.js';
import { startDatasetHost } from '../search/dataset-mcp-servers.js';

/** Synthetic tools of a realistic size: a sentence of description, three typed parameters. */
export function syntheticTools(servers: number, toolsPerServer: number): DatasetTool[] {
  const tools: DatasetTool[] = [];
  for (let s = 0; s < servers; s++) {
    for (let t = 0; t < toolsPerServer; t++) {
      tools.push({
        id: `s${s}-t${t}`,
        server: `server${s}`,
        name: `tool_${t}`,
        description: `Tool ${t} of server ${s}: looks up records by query and returns a page of matching items with their ids.`,
        inputSchema: {
          type: 'object',
          properties: {
            query: { type: 'string', description: 'What to look for' },
            limit: { type: 'integer', minimum: 1, maximum: 100, description: 'Page size' },
            verbose: { type: 'boolean', description: 'Include every field' },
          },
          required: ['query'],
        },
      });
    }
  }
  return tools;
}

async function main(): Promise<void> {
  const servers = Number(process.argv[2] ?? 100);
  const perServer = Number(process.argv[3] ?? 100);
  const host = await startDatasetHost();
  const served = host.serve(syntheticTools(servers, perServer));
  process.stdout.write(`${JSON.stringify(served.config())}\n`);
  const stop = () => void host.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.once('end', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`many-servers-host: ${String(error)}\n`);
  process.exit(1);
});
