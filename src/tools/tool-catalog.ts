import type { UpstreamTool } from '../mcp/upstream-client.js';
import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import type { ToolAdmission } from './pinning/tool-admission.js';
import { namespaceTools, scopeToolNames, type ToolNamePrefix } from './tool-naming.js';

export interface CatalogTool {
  /** Unique in scope: `<server>__<tool>`, or the bare tool name under TOOL_NAME_PREFIX auto/never. */
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
  /**
   * Under auto/never: each tool's `<server>__<tool>` form (its name under `always`) → its
   * catalog name, so a caller that writes the full name is never wrong, whatever the mode.
   * A set: "a" + "b__x" and "a__b" + "x" share the form a__b__x, which then names neither.
   */
  private readonly byQualifiedName = new Map<string, Set<string>>();
  private readonly qualifiedByServer = new Map<string, string[]>();
  private readonly listeners = new Set<(change: CatalogChange) => void>();
  /** Tools whose definition changed since it was pinned: named, but not listed or callable. */
  private readonly quarantined = new Map<string, CatalogTool>();

  constructor(
    private readonly registry: ServerRegistry,
    private readonly prefix: ToolNamePrefix = 'always',
    private readonly admission?: ToolAdmission,
  ) {
    registry.subscribe((server) => this.sync(server));
    for (const server of registry.list()) this.sync(server);
    admission?.watch(this);
  }

  /** A pin changed (approval, another replica): look at this server's tools again. */
  resyncServer(serverName: string): void {
    const server = this.registry.find({ name: serverName });
    // sync() always re-publishes the server it is given.
    if (server) this.sync(server);
  }

  servers(): readonly ServerConnection[] {
    return this.registry.list();
  }

  quarantinedTool(name: string): CatalogTool | undefined {
    return this.quarantined.get(name);
  }

  allQuarantined(): CatalogTool[] {
    return [...this.quarantined.values()];
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

  /** Catalog names of the tools whose `<server>__<tool>` form is `name` (and not their name). */
  withQualifiedName(name: string): string[] {
    return [...(this.byQualifiedName.get(name) ?? [])].sort();
  }

  /** Namespaced names of every tool whose upstream name is `bare`. */
  withBareName(bare: string): string[] {
    return [...(this.byBareName.get(bare) ?? [])].sort();
  }

  /** Whether the scope holds a server of that name, connected or not. */
  hasServer(name: string): boolean {
    return this.registry.find({ name }) !== undefined;
  }

  namesOf(server: string): string[] {
    return this.byServer.get(server) ?? [];
  }

  subscribe(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Under `always` a server's names depend on that server alone, so only its part changes.
   * Under `auto`/`never` a server arriving or leaving can rename another server's tools
   * (a collision appears or goes away), so every server whose names moved is re-published.
   */
  private sync(server: ServerConnection): void {
    // A shared connection stays up after this scope lets it go: membership decides too.
    const live = (this.prefix === 'always' ? [server] : this.registry.list()).filter(
      (s) => s.status === 'connected' && this.registry.has(s),
    );
    // Under `always` only this server is named, yet its "<server>__<tool>" can equal another
    // server's ("a" + "b__echo" and "a__b" + "echo"): the names others hold are off limits,
    // or the newcomer would take over (and on removal delete) the other server's tool.
    const naming = new Set(live.map((s) => s.name));
    const reserved = new Set(
      [...this.byName.values()].filter((t) => !naming.has(t.server)).map((t) => t.name),
    );
    const names = scopeToolNames(
      live.map((s) => ({ server: s.name, tools: s.tools.map((t) => t.name) })),
      this.prefix,
      (srv, tool) => this.namesOf(srv).find((n) => this.byName.get(n)?.tool === tool),
      reserved,
    );
    for (const other of live) {
      const next = names.get(other.name)!;
      const unchanged =
        other !== server &&
        sameNames(
          this.namesOf(other.name),
          other.tools.map((t) => next.get(t.name)!),
        );
      if (!unchanged) this.replace(other, next);
    }
    if (!live.includes(server)) this.replace(server, new Map());
  }

  /** Swaps the entries of one server for `names` (tool → catalog name) and tells listeners. */
  private replace(server: ServerConnection, names: Map<string, string>): void {
    const removed = this.byServer.get(server.name) ?? [];
    for (const [name, entry] of this.quarantined)
      if (entry.server === server.name) this.quarantined.delete(name);
    for (const name of removed) {
      const entry = this.byName.get(name);
      this.byName.delete(name);
      if (entry) this.byBareName.get(entry.tool)?.delete(name);
    }
    for (const full of this.qualifiedByServer.get(server.name) ?? []) {
      const holders = this.byQualifiedName.get(full);
      for (const name of removed) holders?.delete(name);
      if (holders?.size === 0) this.byQualifiedName.delete(full);
    }
    this.qualifiedByServer.delete(server.name);
    this.byServer.delete(server.name);
    const qualified =
      this.prefix === 'always'
        ? undefined
        : namespaceTools(
            server.name,
            server.tools.map((t) => t.name),
          );
    const added: CatalogTool[] = [];
    for (const definition of server.tools) {
      const name = names.get(definition.name);
      if (name === undefined) continue;
      const entry = { name, server: server.name, tool: definition.name, definition };
      const admission = this.admission?.admit(server, definition) ?? 'admit';
      if (admission === 'quarantine') this.quarantined.set(entry.name, entry);
      if (admission !== 'admit') continue;
      this.byName.set(entry.name, entry);
      const bare = this.byBareName.get(entry.tool) ?? new Set<string>();
      bare.add(entry.name);
      this.byBareName.set(entry.tool, bare);
      const full = qualified?.get(definition.name);
      if (full !== undefined && full !== entry.name) {
        this.byQualifiedName.set(
          full,
          (this.byQualifiedName.get(full) ?? new Set()).add(entry.name),
        );
      }
      added.push(entry);
    }
    if (qualified) {
      const aliases = added
        .map((t) => qualified.get(t.tool)!)
        .filter((f) => this.byQualifiedName.has(f));
      if (aliases.length > 0) this.qualifiedByServer.set(server.name, aliases);
    }
    if (added.length > 0) {
      this.byServer.set(
        server.name,
        added.map((t) => t.name),
      );
    }
    const change = { server: server.name, added, removed };
    for (const listener of this.listeners) listener(change);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
