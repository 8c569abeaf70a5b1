import { ErrorCode } from '../common/errors/error-code.js';
import { NAMESPACE_SEPARATOR, sanitizeNamePart } from '../tools/tool-naming.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import type { ConnectOptions, UpstreamClientFactory } from '../mcp/upstream-client.js';
import type { NamedSpec } from './server-spec.parser.js';
import { ServerConnection, type ServerSource } from './server-connection.js';
import type { SharedConnections, SharedLease } from './shared-connections.js';
import { limitedKeyId } from '../auth/scopes.js';
import { currentPrincipal } from '../common/logging/request-context.js';
import type { StdioProcessBudget } from './stdio-process-budget.js';
import { isStdioSpec } from './server-spec.js';

export type RegistryListener = (server: ServerConnection) => void;

/**
 * The servers of one scope (global, or one session) by name. It owns its connections: what
 * it removes or closes, it ends; a shared server's connection is only given back.
 */
export class ServerRegistry {
  private readonly servers = new Map<string, ServerConnection>();
  private readonly leases = new Map<string, SharedLease>();
  private readonly listeners = new Set<RegistryListener>();
  private readonly endListeners = new Set<() => void>();
  /** Set when the scope starts to end, so a call its closing cuts off can say why. */
  private ending = false;

  constructor(
    readonly scopeId: string,
    private readonly factory: UpstreamClientFactory,
    private readonly options: ConnectOptions,
    private readonly shared?: SharedConnections,
    /** Bounds this scope's stdio processes; `key` is the API key owning the session. */
    private readonly processes?: { budget: StdioProcessBudget; key?: string },
  ) {}

  /** Registers then connects every spec concurrently; one failure never blocks the others. */
  async addAll(specs: NamedSpec[], source: ServerSource): Promise<ServerConnection[]> {
    this.assertNamesFree(specs, source);
    return Promise.all(specs.map((named) => this.addOne(named, source)));
  }

  /**
   * Throws SERVER_EXISTS, naming every clash, unless each name is free in this scope and
   * among the others. Names are compared as tool prefixes: 'my server' and 'my_server' would
   * both name their tools my_server__*, and one server's tools would hide the other's.
   */
  assertNamesFree(specs: NamedSpec[], source: ServerSource): void {
    const prefixes = new Map([...this.servers.keys()].map((n) => [sanitizeNamePart(n), n]));
    const given = new Set<string>();
    const earlier =
      source === 'config' ? 'named earlier in the servers file' : 'named earlier in this request';
    const clashes: string[] = [];
    for (const { name } of specs) {
      const prefix = sanitizeNamePart(name);
      const holder = prefixes.get(prefix);
      const where = holder !== undefined && given.has(holder) ? earlier : 'in this scope';
      if (holder === undefined) {
        prefixes.set(prefix, name);
        given.add(name);
      } else if (holder === name) clashes.push(`A server named '${name}' already exists ${where}`);
      else {
        clashes.push(
          `'${name}' gives the same tool prefix (${prefix}${NAMESPACE_SEPARATOR}) as the server '${holder}' ${where}`,
        );
      }
    }
    if (clashes.length > 0) throw new GatewayError(ErrorCode.SERVER_EXISTS, clashes.join('; '));
  }

  private async addOne({ name, spec }: NamedSpec, source: ServerSource): Promise<ServerConnection> {
    if (spec.shared && this.shared) {
      const key = this.holderKey(source);
      const lease = await this.shared.acquire(name, spec, source, (s) => this.emit(s), key);
      this.leases.set(name, lease);
      this.servers.set(name, lease.connection);
      this.emit(lease.connection);
      return lease.connection;
    }
    const connection = new ServerConnection(
      name,
      spec,
      source,
      this.factoryFor(source),
      this.options,
      (s) => this.emit(s),
      this.scopeId,
    );
    this.servers.set(name, connection);
    await connection.connect();
    return connection;
  }

  /** Only the operator's own servers, those of the file in the global scope, are trusted. */
  private factoryFor(source: ServerSource): UpstreamClientFactory {
    if (!this.processes) return this.factory;
    const trusted = this.scopeId === 'global' && source === 'config';
    return this.processes.budget.guard(this.factory, { key: this.holderKey(source), trusted });
  }

  /**
   * Whose places a server takes: a session's servers, its owner's; one added over the API
   * to the global scope, the key that added it (read now, within its request: a restart later
   * keeps the holder its connection was made with).
   */
  private holderKey(source: ServerSource): string | undefined {
    const caller = () => limitedKeyId(currentPrincipal()?.keyId);
    return this.processes?.key ?? (source === 'api' ? caller() : undefined);
  }

  /**
   * Throws SERVER_LIMIT unless the stdio servers among `specs` could start now, added over
   * the API; a shared one already running costs nothing.
   */
  assertStdioRoom(specs: NamedSpec[]): void {
    if (!this.processes) return;
    const spawning = specs.filter(
      ({ name, spec }) => isStdioSpec(spec) && !(spec.shared && this.shared?.running(name, spec)),
    );
    this.processes.budget.assertRoom(
      { key: this.holderKey('api'), trusted: false },
      spawning.length,
    );
  }

  list(): ServerConnection[] {
    return [...this.servers.values()];
  }

  find(nameOrUuid: { name?: string; uuid?: string }): ServerConnection | undefined {
    if (nameOrUuid.name !== undefined) return this.servers.get(nameOrUuid.name);
    return this.list().find((s) => s.uuid === nameOrUuid.uuid);
  }

  async remove(server: ServerConnection): Promise<void> {
    if (this.servers.get(server.name) !== server) return;
    this.servers.delete(server.name);
    const lease = this.leases.get(server.name);
    if (lease) {
      this.leases.delete(server.name);
      await lease.release();
      // The connection lives on for others; this scope's catalog must still drop it.
      this.emit(server);
      return;
    }
    await server.close();
  }

  /** Ends the scope: its servers close, and whoever serves it (an MCP session) is told. */
  async closeAll(): Promise<void> {
    this.ending = true;
    await Promise.all(this.list().map((s) => this.remove(s)));
    const listeners = [...this.endListeners];
    this.endListeners.clear();
    for (const listener of listeners) listener();
  }

  /** Whether the scope is ending or has ended (its session deleted or expired). */
  get ended(): boolean {
    return this.ending;
  }

  /** Told once when the scope ends (its gateway session deleted or expired); returns the unsubscribe. */
  onEnd(listener: () => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Told of every change to a server's tools or status; returns the unsubscribe function. */
  subscribe(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether a server is in this scope now (the catalog ignores events of ones that left). */
  has(server: ServerConnection): boolean {
    return this.servers.get(server.name) === server;
  }

  private emit(server: ServerConnection): void {
    for (const listener of this.listeners) listener(server);
  }
}
