import type { UpstreamTool } from '../mcp/upstream-client.js';
import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import { namespaceTools } from './tool-naming.js';

export interface CatalogTool {
  /** Namespaced, unique in scope: `<server>__<tool>`. */
  name: string;
  server: string;
  /** The upstream server's own name for it. */
  tool: string;
  definition: UpstreamTool;
}

export interface CatalogChange {
  server: string;
  added: CatalogTool[];
  removed: string[];
}

/**
 * The merged, namespaced catalog of one registry. It follows the registry's events and
 * updates only the part of the server that changed, so nothing is rebuilt per request.
 */
export class ToolCatalog {
  private readonly byName = new Map<string, CatalogTool>();
  private readonly byServer = new Map<string, string[]>();
  private readonly byBareName = new Map<string, Set<string>>();
  private readonly listeners = new Set<(change: CatalogChange) => void>();

  constructor(private readonly registry: ServerRegistry) {
    registry.subscribe((server) => this.sync(server));
    for (const server of registry.list()) this.sync(server);
  }

  get size(): number {
    return this.byName.size;
  }

  all(): CatalogTool[] {
    return [...this.byName.values()];
  }

  get(name: string): CatalogTool | undefined {
    return this.byName.get(name);
  }

  /** Namespaced names of every tool whose upstream name is `bare`. */
  withBareName(bare: string): string[] {
    return [...(this.byBareName.get(bare) ?? [])].sort();
  }

  namesOf(server: string): string[] {
    return this.byServer.get(server) ?? [];
  }

  subscribe(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private sync(server: ServerConnection): void {
    const removed = this.byServer.get(server.name) ?? [];
    for (const name of removed) {
      const entry = this.byName.get(name);
      this.byName.delete(name);
      if (entry) this.byBareName.get(entry.tool)?.delete(name);
    }
    this.byServer.delete(server.name);
    const added: CatalogTool[] = [];
    // A shared connection stays up after this scope lets it go: membership decides too.
    if (server.status === 'connected' && this.registry.has(server)) {
      const names = namespaceTools(
        server.name,
        server.tools.map((t) => t.name),
      );
      for (const definition of server.tools) {
        const entry = {
          name: names.get(definition.name)!,
          server: server.name,
          tool: definition.name,
          definition,
        };
        this.byName.set(entry.name, entry);
        const bare = this.byBareName.get(entry.tool) ?? new Set<string>();
        bare.add(entry.name);
        this.byBareName.set(entry.tool, bare);
        added.push(entry);
      }
      this.byServer.set(
        server.name,
        added.map((t) => t.name),
      );
    }
    const change = { server: server.name, added, removed };
    for (const listener of this.listeners) listener(change);
  }
}
