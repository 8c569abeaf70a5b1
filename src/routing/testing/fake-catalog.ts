import type { UpstreamTool } from '../../mcp/upstream-client.js';
import type { ServerRegistry } from '../../servers/server-registry.js';
import { ToolCatalog } from '../../tools/tool-catalog.js';

interface FakeServer {
  name: string;
  status: 'connected';
  tools: UpstreamTool[];
}

/**
 * A real ToolCatalog over an in-memory stand-in for a ServerRegistry (the parts the catalog
 * reads: list, has, subscribe), for unit tests of the routers.
 */
export class FakeCatalog {
  private readonly servers = new Map<string, FakeServer>();
  private readonly listeners = new Set<(server: FakeServer) => void>();
  readonly catalog: ToolCatalog;

  constructor(servers: Record<string, UpstreamTool[]> = {}) {
    for (const [name, tools] of Object.entries(servers)) {
      this.servers.set(name, { name, status: 'connected', tools });
    }
    const registry = {
      list: () => [...this.servers.values()],
      has: (server: FakeServer) => this.servers.get(server.name) === server,
      subscribe: (listener: (server: FakeServer) => void) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
    this.catalog = new ToolCatalog(registry as unknown as ServerRegistry);
  }

  /** Replaces (or adds) a server's tools, as a tools/list_changed refresh would. */
  setServer(name: string, tools: UpstreamTool[]): void {
    const server: FakeServer = { name, status: 'connected', tools };
    this.servers.set(name, server);
    for (const listener of this.listeners) listener(server);
  }
}

/** A tool definition with a one-parameter schema. */
export function tool(name: string, description: string, param = 'input'): UpstreamTool {
  return {
    name,
    description,
    inputSchema: { type: 'object', properties: { [param]: { type: 'string' } } },
  };
}

/** The demo server's tools, as the e2e tests see them. */
export const DEMO_TOOLS: UpstreamTool[] = [
  tool('time', 'Current date and time in an IANA time zone', 'timezone'),
  tool('calculator', 'Evaluates an arithmetic expression safely', 'expression'),
  tool('echo', 'Returns the message it was given, optionally after a delay', 'message'),
];
