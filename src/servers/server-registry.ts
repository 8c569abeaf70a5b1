import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import type { ConnectOptions, UpstreamClientFactory } from '../mcp/upstream-client.js';
import type { NamedSpec } from './server-spec.parser.js';
import { ServerConnection, type ServerSource } from './server-connection.js';

export type RegistryListener = (server: ServerConnection) => void;

/**
 * The servers of one scope (global, or one session) by name. It owns their connections:
 * what it removes or closes, it ends.
 */
export class ServerRegistry {
  private readonly servers = new Map<string, ServerConnection>();
  private readonly listeners = new Set<RegistryListener>();

  constructor(
    readonly scopeId: string,
    private readonly factory: UpstreamClientFactory,
    private readonly options: ConnectOptions,
  ) {}

  /** Registers then connects every spec concurrently; one failure never blocks the others. */
  async addAll(specs: NamedSpec[], source: ServerSource): Promise<ServerConnection[]> {
    const duplicates = specs.filter(
      ({ name }, i) => this.servers.has(name) || specs.findIndex((s) => s.name === name) !== i,
    );
    if (duplicates.length > 0) {
      throw new GatewayError(
        ErrorCode.SERVER_EXISTS,
        `A server named ${duplicates.map((d) => `'${d.name}'`).join(', ')} already exists in this scope`,
      );
    }
    const connections = specs.map(
      ({ name, spec }) =>
        new ServerConnection(name, spec, source, this.factory, this.options, (s) => this.emit(s)),
    );
    connections.forEach((c) => this.servers.set(c.name, c));
    await Promise.all(connections.map((c) => c.connect()));
    return connections;
  }

  list(): ServerConnection[] {
    return [...this.servers.values()];
  }

  find(nameOrUuid: { name?: string; uuid?: string }): ServerConnection | undefined {
    if (nameOrUuid.name !== undefined) return this.servers.get(nameOrUuid.name);
    return this.list().find((s) => s.uuid === nameOrUuid.uuid);
  }

  async remove(server: ServerConnection): Promise<void> {
    this.servers.delete(server.name);
    await server.close();
  }

  async closeAll(): Promise<void> {
    const all = this.list();
    this.servers.clear();
    await Promise.all(all.map((s) => s.close()));
  }

  /** Told of every change to a server's tools or status; returns the unsubscribe function. */
  subscribe(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(server: ServerConnection): void {
    for (const listener of this.listeners) listener(server);
  }
}
