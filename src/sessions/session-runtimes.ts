import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import type { NamedSpec } from '../servers/server-spec.parser.js';
import { specFingerprint } from '../servers/spec-fingerprint.js';
import type { SessionRecord } from './session-record.js';
import { sessionServers, type SessionServer } from './session-servers.js';

interface Runtime {
  registry: ServerRegistry;
  /** Settles once the session's servers have connected or failed. */
  ready: Promise<void>;
  revision: number;
  lastTouch: number;
  /**
   * Names this process is adding: connected or connecting, not yet in the record. A reconcile
   * in the meantime (another replica changed the record) must not take them for stale.
   */
  adding: Map<string, number>;
}

/**
 * This process's live connections for sessions, built on first use from the record (so a
 * restarted gateway or another replica gets the same servers) and kept in step with it.
 */
export class SessionRuntimes {
  private readonly runtimes = new Map<string, Runtime>();

  constructor(
    /** `owner`: the API key id that created the session (the record's). */
    private readonly createRegistry: (sessionId: string, owner?: string) => ServerRegistry,
    private readonly fileSpecs: () => NamedSpec[],
    /** The record's run-time servers that today's policies still allow (see ServersService). */
    private readonly vet: (specs: NamedSpec[], sessionId: string) => NamedSpec[],
  ) {}

  get size(): number {
    return this.runtimes.size;
  }

  ids(): string[] {
    return [...this.runtimes.keys()];
  }

  peek(sessionId: string): ServerRegistry | undefined {
    return this.runtimes.get(sessionId)?.registry;
  }

  /** The session's registry, connecting it first if this process has not yet. */
  async open(record: SessionRecord): Promise<ServerRegistry> {
    let runtime = this.runtimes.get(record.id);
    if (!runtime) {
      const registry = this.createRegistry(record.id, record.owner);
      const ready = addServers(registry, this.wanted(record));
      runtime = { registry, ready, revision: record.revision, lastTouch: 0, adding: new Map() };
      this.runtimes.set(record.id, runtime);
    } else if (runtime.revision !== record.revision) {
      runtime.revision = record.revision;
      const wanted = this.wanted(record);
      const { registry, adding } = runtime;
      runtime.ready = runtime.ready.then(() => reconcile(registry, wanted, adding));
    }
    await runtime.ready;
    return runtime.registry;
  }

  /** What the record says this session holds, less run-time servers today's policies refuse. */
  private wanted(record: SessionRecord): SessionServer[] {
    const servers = this.vet(record.servers, record.id);
    return sessionServers({ ...record, servers }, this.fileSpecs());
  }

  /**
   * This process made the change from revision `from` to `to`. It holds `to` only if it held
   * `from`: when another replica changed the record in between, the next open() reconciles.
   */
  markSynced(sessionId: string, from: number, to: number): void {
    const runtime = this.runtimes.get(sessionId);
    if (runtime?.revision === from) runtime.revision = to;
  }

  /**
   * Marks servers this process is adding to the session (connecting them, then writing the
   * record): a reconcile meanwhile leaves them alone. Call the returned function when the add
   * is over, recorded or not.
   */
  holdAdding(sessionId: string, names: string[]): () => void {
    const adding = this.runtimes.get(sessionId)?.adding;
    if (!adding) return () => undefined;
    for (const name of names) adding.set(name, (adding.get(name) ?? 0) + 1);
    return () => {
      for (const name of names) {
        const left = (adding.get(name) ?? 1) - 1;
        if (left === 0) adding.delete(name);
        else adding.set(name, left);
      }
    };
  }

  /**
   * This process's copy no longer follows the record (an add it connected was refused by the
   * record and undone, while a reconcile left the recorded server of that name alone): the
   * next open() reconciles whatever the revision.
   */
  resync(sessionId: string): void {
    const runtime = this.runtimes.get(sessionId);
    if (runtime) runtime.revision = -1;
  }

  /** Whether the expiry should be slid now; at most once a second per session and process. */
  shouldTouch(sessionId: string, now: number): boolean {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime) return true;
    if (now - runtime.lastTouch < 1000) return false;
    runtime.lastTouch = now;
    return true;
  }

  async close(sessionId: string): Promise<boolean> {
    const runtime = this.runtimes.get(sessionId);
    if (!runtime) return false;
    this.runtimes.delete(sessionId);
    await runtime.ready.catch(() => undefined);
    await runtime.registry.closeAll();
    return true;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.ids().map((id) => this.close(id)));
  }
}

/** Connects the servers, each under its source (file or run time); none blocks the others. */
async function addServers(registry: ServerRegistry, servers: SessionServer[]): Promise<void> {
  const from = (source: SessionServer['source']) => servers.filter((s) => s.source === source);
  await Promise.all([
    registry.addAll(from('config'), 'config'),
    registry.addAll(from('api'), 'api'),
  ]);
}

/**
 * Another replica changed the session's servers: follow the record, except for the servers
 * this process is adding right now (not in the record yet). A name is not enough: a
 * server removed and added again under its name with a new URL or new headers is another
 * server, so whatever differs from the record's spec is reconnected.
 */
async function reconcile(
  registry: ServerRegistry,
  wanted: SessionServer[],
  adding: ReadonlyMap<string, number>,
): Promise<void> {
  const byName = new Map(wanted.map((s) => [s.name, s]));
  const stale = registry
    .list()
    .filter((s) => !adding.has(s.name) && !matches(s, byName.get(s.name)));
  await Promise.all(stale.map((s) => registry.remove(s)));
  await addServers(
    registry,
    wanted.filter((s) => !registry.find({ name: s.name })),
  );
}

function matches(server: ServerConnection, wanted: SessionServer | undefined): boolean {
  // Not the source: a shared connection's is whoever opened it first, in any session.
  return wanted !== undefined && specFingerprint(wanted.spec) === specFingerprint(server.spec);
}
