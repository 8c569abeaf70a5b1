import { createHash } from 'node:crypto';
import type { ConnectOptions, UpstreamClientFactory } from '../mcp/upstream-client.js';
import type { ServerSpec } from './server-spec.js';
import { ServerConnection, type ServerSource } from './server-connection.js';
import type { StdioProcessBudget } from './stdio-process-budget.js';

type Listener = (server: ServerConnection) => void;

interface Entry {
  connection: ServerConnection;
  connecting: Promise<void>;
  refs: number;
  listeners: Set<Listener>;
}

/** What a registry holds for a shared server: the connection, and how to give it back. */
export interface SharedLease {
  connection: ServerConnection;
  release(): Promise<void>;
}

/**
 * Connections to servers marked `"shared": true`: one per (name, spec), whoever lists it,
 * reference-counted and closed when its last user lets go. Tool-list events fan out to
 * every registry that holds a lease.
 */
export class SharedConnections {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly factory: UpstreamClientFactory,
    private readonly options: ConnectOptions,
    private readonly budget?: StdioProcessBudget,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async acquire(
    name: string,
    spec: ServerSpec,
    source: ServerSource,
    onChange: Listener,
    /** The API key the first user charges its process to (see StdioProcessBudget). */
    holder?: string,
  ): Promise<SharedLease> {
    const key = keyOf(name, spec);
    let entry = this.entries.get(key);
    // A shared connection that failed is retried by the next user once nobody holds it.
    if (entry && entry.refs === 0 && entry.connection.status !== 'connected') {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      const listeners = new Set<Listener>();
      // One process for every session that lists it: a file's is trusted; an API add's counts
      // for the key that started it, whoever shares it later.
      const factory = this.budget
        ? this.budget.guard(this.factory, { key: holder, trusted: source === 'config' })
        : this.factory;
      const connection = new ServerConnection(
        name,
        spec,
        source,
        factory,
        this.options,
        (s) => listeners.forEach((l) => l(s)),
        'shared',
      );
      entry = { connection, connecting: connection.connect(), refs: 0, listeners };
      this.entries.set(key, entry);
    }
    const held = entry;
    held.refs += 1;
    held.listeners.add(onChange);
    await held.connecting;
    let released = false;
    return {
      connection: held.connection,
      release: async () => {
        if (released) return;
        released = true;
        held.listeners.delete(onChange);
        held.refs -= 1;
        if (held.refs > 0) return;
        if (this.entries.get(key) === held) this.entries.delete(key);
        await held.connection.close();
      },
    };
  }

  /** Whether a connection to this server is running (or starting), so a new user spawns nothing. */
  running(name: string, spec: ServerSpec): boolean {
    const entry = this.entries.get(keyOf(name, spec));
    return entry !== undefined && (entry.refs > 0 || entry.connection.status === 'connected');
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.connection.close()));
  }
}

/** Same name and same spec (secrets included) share; anything else gets its own connection. */
function keyOf(name: string, spec: ServerSpec): string {
  return `${name}\0${createHash('sha256').update(JSON.stringify(spec)).digest('hex')}`;
}
