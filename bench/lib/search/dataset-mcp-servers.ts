/**
 * Serves benchmark tools from real MCP servers: one logical server per dataset server, all
 * on one loopback HTTP port, each at its own streamable-HTTP path. The low-level SDK
 * `Server` answers tools/list with the dataset's raw JSON schemas (McpServer would want
 * zod shapes). Stateless: each POST gets a fresh Server and transport, as the SDK's
 * stateless example does; the gateway only lists tools, so nothing needs a session.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DatasetTool } from './datasets.js';

const JSON_SCHEMA_TYPES = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'null',
]);
/** The gateway's rule for server names (letters, digits, space, _ . -; 64 at most). */
const NAME_CHARS = /[^A-Za-z0-9 _.-]+/g;

export interface LogicalServer {
  /** The name the gateway knows it by (dataset names may hold characters it refuses). */
  name: string;
  /** The dataset's server name. */
  datasetServer: string;
  url: string;
  tools: Tool[];
}

export interface ServedDataset {
  servers: LogicalServer[];
  /** The dataset tool behind a gateway hit, by gateway server name and upstream tool name. */
  toolOf(server: string, tool: string): DatasetTool | undefined;
  /** `{"mcpServers": {...}}` for POST /mcp/servers/add. */
  config(): { mcpServers: Record<string, { url: string; transport: 'streamable-http' }> };
}

export interface DatasetHost {
  serve(tools: readonly DatasetTool[]): ServedDataset;
  close(): Promise<void>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The README's quirk: many MCP-Zero parameter types are not JSON Schema. Drop a bad `type`
 * and keep the parameter (recursively, on a copy).
 */
export function cleanSchema(schema: unknown): Tool['inputSchema'] {
  const clean = (node: unknown, depth: number): unknown => {
    if (Array.isArray(node)) return node.map((n) => clean(n, depth + 1));
    if (!isRecord(node) || depth > 16) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'type') {
        const types = Array.isArray(value) ? value : [value];
        if (
          types.length === 0 ||
          !types.every((t) => typeof t === 'string' && JSON_SCHEMA_TYPES.has(t))
        )
          continue;
      }
      out[key] = clean(value, depth + 1);
    }
    return out;
  };
  const root = isRecord(schema) ? (clean(schema, 0) as Record<string, unknown>) : {};
  return { ...root, type: 'object' };
}

function gatewayName(datasetServer: string, taken: Set<string>): string {
  const base =
    datasetServer
      .replace(NAME_CHARS, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 58)
      .trim() || 'server';
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} ${n}`;
  taken.add(name.toLowerCase());
  return name;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

function mcpServerFor(tools: Tool[], name: string): Server {
  const server = new Server({ name, version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, (request) => ({
    content: [{ type: 'text', text: `benchmark stub: ${request.params.name} was called` }],
  }));
  return server;
}

export async function startDatasetHost(): Promise<DatasetHost> {
  const byPath = new Map<string, LogicalServer>();
  let nextId = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const logical = byPath.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!logical) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      // Stateless servers offer no standalone SSE stream; the client treats 405 as "none".
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const body = await readBody(req);
    const server = mcpServerFor(logical.tools, logical.name);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  // The gateway connects to hundreds of servers at once: a deep accept queue avoids resets.
  await new Promise<void>((done) =>
    http.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, done),
  );
  const { port } = http.address() as AddressInfo;

  return {
    serve(datasetTools) {
      const taken = new Set<string>();
      const byServer = new Map<string, DatasetTool[]>();
      for (const tool of datasetTools) {
        const list = byServer.get(tool.server) ?? [];
        list.push(tool);
        byServer.set(tool.server, list);
      }
      const servers: LogicalServer[] = [];
      const lookup = new Map<string, DatasetTool>();
      for (const [datasetServer, list] of byServer) {
        const name = gatewayName(datasetServer, taken);
        const path = `/${nextId++}/mcp`;
        // MCP tool names are unique per server; the data repeats a few (first one wins).
        const unique = new Map<string, DatasetTool>();
        for (const tool of list) if (!unique.has(tool.name)) unique.set(tool.name, tool);
        const tools = [...unique.values()].map((t) => ({
          name: t.name,
          description: t.description ?? '',
          inputSchema: cleanSchema(t.inputSchema),
        }));
        for (const tool of unique.values()) lookup.set(`${name}\0${tool.name}`, tool);
        const logical = { name, datasetServer, url: `http://127.0.0.1:${port}${path}`, tools };
        byPath.set(path, logical);
        servers.push(logical);
      }
      return {
        servers,
        toolOf: (server, tool) => lookup.get(`${server}\0${tool}`),
        config: () => ({
          mcpServers: Object.fromEntries(
            servers.map((s) => [s.name, { url: s.url, transport: 'streamable-http' as const }]),
          ),
        }),
      };
    },
    close: () =>
      new Promise<void>((done) => {
        http.closeAllConnections();
        http.close(() => done());
      }),
  };
}
