import { Logger } from '@nestjs/common';
import { errorMessage } from '../common/errors/error-message.js';
import type { UpstreamTool } from '../mcp/upstream-client.js';
import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import type { ToolAdmission } from './pinning/tool-admission.js';
import { planLeave, planPart, type PartPlan, type ServerPart } from './server-part.js';
import { namespaceTools, scopeToolNames, type ToolNamePrefix } from './tool-naming.js';

export interface CatalogTool {
  /** Unique in scope: `<server>__<tool>`, or the bare tool name under TOOL_NAME_PREFIX auto/never. */
  name: string;
  server: string;
  /** The upstream server's own name for it. */
  tool: string;
  definition: UpstreamTool;
  /**
   * Quarantined tools only: the definition it was served with before it changed, when this
   * catalog saw that one (not after a restart: pins keep fingerprints, not definitions).
   */
  pinned?: UpstreamTool;
}

/**
 * What one update changed: only tools added, removed, renamed or redefined, never the
 * server's unchanged ones. A name can be in both lists (its tool changed, or passed to this
 * server): listeners apply `removed` first. No change is announced when nothing changed.
 */
export interface CatalogChange {
  server: string;
  added: CatalogTool[];
  removed: string[];
}

/**
 * The merged, namespaced catalog of one registry. It follows the registry's events and
 * updates only the tools of a server that changed, so nothing is rebuilt per request and a
 * list_changed on a large server costs about what changed in it.
 */
export class ToolCatalog {
  private readonly logger = new Logger(ToolCatalog.name);
  private readonly byName = new Map<string, CatalogTool>();
  private readonly parts = new Map<string, ServerPart>();
  private readonly byBareName = new Map<string, Set<string>>();
  /**
   * Under auto/never: each tool's `<server>__<tool>` form (its name under `always`) → its
   * catalog name, so a caller that writes the full name is never wrong, whatever the mode.
   * A set: "a" + "b__x" and "a__b" + "x" share the form a__b__x, which then names neither.
   */
  private readonly byQualifiedName = new Map<string, Set<string>>();
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
    const unwatch = admission?.watch(this);
    if (unwatch) registry.onEnd(unwatch);
  }

  /** A pin changed (approval, another replica): look at this server's tools again. */
  resyncServer(serverName: string): void {
    const server = this.registry.find({ name: serverName });
    if (server) this.sync(server, serverName);
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
    return this.parts.get(server)?.names ?? [];
  }

  /** A server's tools held back by tool pinning, by the names they would have. */
  quarantinedNamesOf(server: string): string[] {
    return [...(this.parts.get(server)?.quarantined.values() ?? [])].map((tool) => tool.name);
  }

  subscribe(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Under `always` a server's names depend on that server alone, so only its part changes.
   * Under `auto`/`never` a server arriving or leaving can rename another server's tools
   * (a collision appears or goes away), so every server whose names moved is re-planned.
   * `recheck` names a server whose pins changed: its tools are admitted again, changed or not.
   */
  private sync(server: ServerConnection, recheck?: string): void {
    // A shared connection stays up after this scope lets it go: membership decides too.
    const live = (this.prefix === 'always' ? [server] : this.registry.list()).filter(
      (s) => s.status === 'connected' && this.registry.has(s),
    );
    // Under `always` only this server is named, yet its "<server>__<tool>" can equal another
    // server's ("a" + "b__echo" and "a__b" + "echo"): the names others hold are off limits,
    // or the newcomer would take over (and on removal delete) the other server's tool.
    const naming = new Set(live.map((s) => s.name));
    const reserved = new Set<string>();
    for (const [name, part] of this.parts) {
      if (!naming.has(name)) for (const held of part.names) reserved.add(held);
    }
    const names = scopeToolNames(
      live.map((s) => ({ server: s.name, tools: s.tools.map((t) => t.name) })),
      this.prefix,
      (srv, tool) => this.parts.get(srv)?.admitted.get(tool)?.name,
      reserved,
    );
    const plans: PartPlan[] = [];
    for (const other of live) {
      const next = names.get(other.name)!;
      const unchanged =
        other !== server &&
        other.name !== recheck &&
        sameNames(
          this.namesOf(other.name),
          other.tools.map((t) => next.get(t.name)!),
        );
      if (!unchanged) plans.push(this.plan(other, next, other.name === recheck));
    }
    if (!live.includes(server)) plans.push(planLeave(server.name, this.parts.get(server.name)));
    this.apply(plans);
  }

  /** Works out a server's next part without touching the catalog, so no failure half-applies. */
  private plan(server: ServerConnection, names: Map<string, string>, recheck: boolean): PartPlan {
    return planPart(this.parts.get(server.name), server, names, {
      admit: (s, definition) => this.admission?.admit(s, definition) ?? 'admit',
      recheck,
      qualified:
        this.prefix === 'always'
          ? undefined
          : namespaceTools(
              server.name,
              server.tools.map((t) => t.name),
            ),
      logger: this.logger,
    });
  }

  /**
   * Swaps the planned parts in (map updates only: nothing here can fail half-way), then tells
   * listeners what changed. Every removal goes before any addition, so a name passing from
   * one server to another (under `never`) ends up with its new holder.
   */
  private apply(plans: readonly PartPlan[]): void {
    const taken = new Map<string, PartPlan>();
    for (const plan of plans) for (const entry of plan.added) taken.set(entry.name, plan);
    const changes = new Map<PartPlan, CatalogChange>(
      plans.map((plan) => [plan, { server: plan.server, added: plan.added, removed: [] }]),
    );
    for (const plan of plans) {
      for (const entry of plan.removed) {
        // A name another server takes over is reported with that server's change, whose
        // addition listeners apply after the removal: reported here it could come after it.
        changes.get(taken.get(entry.name) ?? plan)!.removed.push(entry.name);
        if (this.byName.get(entry.name) === entry) this.byName.delete(entry.name);
        deleteFrom(this.byBareName, entry.tool, entry.name);
      }
      for (const entry of plan.previous?.quarantined.values() ?? []) {
        if (this.quarantined.get(entry.name) === entry) this.quarantined.delete(entry.name);
      }
      for (const [full, name] of plan.previous?.aliases ?? []) {
        deleteFrom(this.byQualifiedName, full, name);
      }
    }
    for (const plan of plans) {
      for (const entry of plan.added) {
        this.byName.set(entry.name, entry);
        addTo(this.byBareName, entry.tool, entry.name);
      }
      for (const entry of plan.next?.quarantined.values() ?? []) {
        this.quarantined.set(entry.name, entry);
      }
      for (const [full, name] of plan.next?.aliases ?? []) addTo(this.byQualifiedName, full, name);
      if (plan.next) this.parts.set(plan.server, plan.next);
      else this.parts.delete(plan.server);
    }
    for (const change of changes.values()) {
      if (change.added.length === 0 && change.removed.length === 0) continue;
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          // One failing follower (an index, a notifier) must not keep the others uninformed.
          this.logger.error(`a catalog listener failed: ${errorMessage(error)}`);
        }
      }
    }
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function addTo(index: Map<string, Set<string>>, key: string, name: string): void {
  const names = index.get(key);
  if (names) names.add(name);
  else index.set(key, new Set([name]));
}

function deleteFrom(index: Map<string, Set<string>>, key: string, name: string): void {
  const names = index.get(key);
  if (names?.delete(name) && names.size === 0) index.delete(key);
}
