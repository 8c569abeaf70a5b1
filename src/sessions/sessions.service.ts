import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig, type SessionSettings } from '../config/gateway-config.js';
import { ANONYMOUS_ADMIN, isAdmin, limitedKeyId } from '../auth/scopes.js';
import { currentPrincipal } from '../common/logging/request-context.js';
import { errorMessage } from '../common/errors/error-message.js';
import { ScopeRegistries, SessionScopes } from '../servers/scope-registries.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import type { NamedSpec } from '../servers/server-spec.parser.js';
import { ServersService } from '../servers/servers.service.js';
import { newSessionId, shownId } from './session-id.js';
import type { SessionRecord } from './session-record.js';
import { SessionEvents } from './session-events.js';
import { SessionRuntimes } from './session-runtimes.js';
import { sessionServers } from './session-servers.js';
import { SessionStore } from './session-store.js';

/**
 * Session lifecycle: create, use (sliding expiry), delete, expire. The store holds the
 * records; each process holds its own connections (SessionRuntimes), rebuilt from the record
 * on first use, so any replica can serve any session without sticky routing.
 */
@Injectable()
export class SessionsService extends SessionScopes implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionsService.name);
  private readonly settings: SessionSettings;
  readonly runtimes: SessionRuntimes;
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly store: SessionStore,
    private readonly scopes: ScopeRegistries,
    private readonly servers: ServersService,
    private readonly events: SessionEvents,
    config: GatewayConfig,
  ) {
    super();
    this.settings = config.sessions;
    this.runtimes = new SessionRuntimes(
      (id, owner) => scopes.create(id, limitedKeyId(owner)),
      () => servers.configFileSpecs,
      (specs, id) => servers.stillAllowed(specs, id),
    );
    scopes.useSessions(this);
  }

  async onModuleInit(): Promise<void> {
    await this.events.onDeleted((id) => void this.closeLocal(id));
    // Expiry happens in the store; the sweep ends this process's connections for it.
    const every = Math.min(Math.max((this.settings.ttlSeconds * 1000) / 4, 250), 30_000);
    this.sweeper = setInterval(() => void this.sweep(), every);
    this.sweeper.unref();
  }

  async create(
    metadata: Record<string, unknown> = {},
  ): Promise<{ record: SessionRecord; registry: ServerRegistry }> {
    this.assertMetadataSize(metadata);
    const now = Date.now();
    const principal = currentPrincipal();
    const record: SessionRecord = {
      id: newSessionId(),
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + this.settings.ttlSeconds * 1000,
      metadata,
      servers: [],
      revision: 0,
      owner: principal?.keyId,
    };
    // Without API keys every caller is the one anonymous admin: only the global limit applies.
    const perOwner = principal === ANONYMOUS_ADMIN ? this.settings.max : this.settings.maxPerKey;
    const outcome = await this.store.create(record, { total: this.settings.max, perOwner });
    if (outcome === 'total-limit') {
      throw new GatewayError(
        ErrorCode.SESSION_LIMIT,
        `Too many sessions: the limit is ${this.settings.max} (SESSION_MAX); delete some or wait for them to expire`,
      );
    }
    if (outcome === 'owner-limit') {
      throw new GatewayError(
        ErrorCode.SESSION_LIMIT,
        `This API key holds ${perOwner} live sessions, its limit (SESSION_MAX_PER_KEY); delete some or wait for them to expire`,
      );
    }
    const registry = await this.runtimes.open(record);
    this.logger.log(`audit: session ${record.id} created`);
    return { record, registry };
  }

  /** The record, after sliding its expiry; SESSION_NOT_FOUND when unknown or expired. */
  async use(sessionId: string): Promise<SessionRecord> {
    const record = await this.store.get(sessionId);
    if (!record || !visibleToCaller(record)) {
      // Only a session that is gone is closed here: another key's refusal must not disturb it.
      if (!record) await this.closeLocal(sessionId);
      throw new GatewayError(
        ErrorCode.SESSION_NOT_FOUND,
        `Session '${shownId(sessionId)}' not found or expired`,
      );
    }
    const now = Date.now();
    if (this.runtimes.shouldTouch(sessionId, now)) {
      record.lastActiveAt = now;
      record.expiresAt = now + this.settings.ttlSeconds * 1000;
      await this.store.touch(record);
    }
    return record;
  }

  async registryFor(sessionId: string): Promise<ServerRegistry> {
    return this.runtimes.open(await this.use(sessionId));
  }

  async list(): Promise<SessionRecord[]> {
    return (await this.store.list())
      .filter(visibleToCaller)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async delete(sessionId: string): Promise<void> {
    // Another key's session does not exist, as far as this caller can tell.
    const record = await this.use(sessionId);
    const existed = await this.store.delete(record);
    const wasLocal = await this.closeLocal(sessionId);
    if (!existed && !wasLocal) {
      throw new GatewayError(
        ErrorCode.SESSION_NOT_FOUND,
        `Session '${shownId(sessionId)}' not found or expired`,
      );
    }
    await this.events.publishDeleted(sessionId);
    this.logger.log(`audit: session ${sessionId} deleted`);
  }

  async assertRoomFor(sessionId: string, count: number): Promise<void> {
    const registry = await this.registryFor(sessionId);
    this.assertWithinLimit(registry.list().length + count);
  }

  /**
   * Adds run-time servers to the record. A name the record holds already was added by another
   * request meanwhile (on another replica, or this one) after this one connected its own:
   * refused, as it would have been a moment later, so the server the first caller was told
   * about is not replaced behind its back. The limit is checked here again, inside the
   * compare-and-set: the early check saw only this replica's copy of the session.
   */
  async recordAdded(sessionId: string, specs: NamedSpec[]): Promise<void> {
    const names = new Set(specs.map((spec) => spec.name));
    await this.updateServers(sessionId, (record) => {
      const taken = record.servers.filter((s) => names.has(s.name)).map((s) => `'${s.name}'`);
      if (taken.length > 0) {
        throw new GatewayError(
          ErrorCode.SERVER_EXISTS,
          `A server named ${taken.join(', ')} was added to this session meanwhile by another request`,
        );
      }
      record.servers = [...record.servers, ...specs];
      this.assertWithinLimit(sessionServers(record, this.servers.configFileSpecs).length);
    });
  }

  /**
   * A run-time server leaves the record; a servers-file server is remembered as removed, or
   * the file would bring it back on other replicas and after a restart. Which one it is, the
   * record says: a shared connection's own source is whoever opened it first.
   */
  async recordRemoved(sessionId: string, name: string): Promise<void> {
    const inFile = this.servers.configFileSpecs.some((s) => s.name === name);
    await this.updateServers(sessionId, (record) => {
      if (record.servers.some((s) => s.name === name)) {
        record.servers = record.servers.filter((s) => s.name !== name);
      } else if (inFile) {
        record.removedFileServers = [...new Set(record.removedFileServers).add(name)];
      }
    });
  }

  holdAdding(sessionId: string, names: string[]): () => void {
    return this.runtimes.holdAdding(sessionId, names);
  }

  resync(sessionId: string): void {
    this.runtimes.resync(sessionId);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    // Records stay in the store: sessions outlive a restart when the store does.
    await this.runtimes.closeAll();
  }

  /**
   * Read, change, compare-and-set; on a conflict (another replica changed it), again. `change`
   * edits the record's servers in place, or throws to refuse the change as the record stands.
   */
  private async updateServers(
    sessionId: string,
    change: (record: SessionRecord) => void,
  ): Promise<void> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      const record = await this.use(sessionId);
      const base = record.revision;
      change(record);
      record.revision = base + 1;
      if (await this.store.replace(record, base)) {
        this.runtimes.markSynced(sessionId, base, record.revision);
        return;
      }
    }
    throw new GatewayError(
      ErrorCode.GATEWAY_BUSY,
      `Session '${shownId(sessionId)}' kept changing under this request (${UPDATE_ATTEMPTS} tries); try again`,
    );
  }

  private assertWithinLimit(total: number): void {
    if (total > this.settings.maxServers) {
      throw new GatewayError(
        ErrorCode.SERVER_LIMIT,
        `A session may hold ${this.settings.maxServers} servers (SESSION_MAX_SERVERS); this one would hold ${total}`,
      );
    }
  }

  private async closeLocal(sessionId: string): Promise<boolean> {
    return this.runtimes.close(sessionId);
  }

  /**
   * Closes this process's connections of sessions whose record is gone. The sessions are
   * looked up together, so a Redis that hangs costs a sweep one command timeout, not one per
   * session; and an outage is one warning per sweep, not one per open session.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const ids = this.runtimes.ids();
      const outcomes = await Promise.allSettled(ids.map((id) => this.sweepOne(id)));
      const failed = outcomes.filter((o) => o.status === 'rejected');
      if (failed.length > 0) {
        const first = errorMessage(failed[0].reason);
        this.logger.warn(
          `sweep: ${failed.length} of ${ids.length} session(s) could not be checked (first error: ${first}); trying again next sweep`,
        );
      }
    } finally {
      this.sweeping = false;
    }
  }

  private async sweepOne(id: string): Promise<void> {
    if (await this.store.get(id)) return;
    await this.closeLocal(id);
    this.logger.log(`session ${id} expired; its connections are closed`);
  }

  private assertMetadataSize(metadata: Record<string, unknown>): void {
    const bytes = Buffer.byteLength(JSON.stringify(metadata));
    if (bytes > this.settings.metadataMaxBytes) {
      throw new GatewayError(
        ErrorCode.INVALID_REQUEST,
        `metadata is ${bytes} bytes; the limit is ${this.settings.metadataMaxBytes} (SESSION_METADATA_MAX_BYTES)`,
      );
    }
  }
}

/** Compare-and-set tries of one change to a session's servers before giving up. */
const UPDATE_ATTEMPTS = 10;

/**
 * Sessions belong to the key that created them. Admin keys see all; a call with no caller in
 * context (the queue door, whose writers Redis ACLs vouch for) sees the whole namespace.
 */
function visibleToCaller(record: SessionRecord): boolean {
  const principal = currentPrincipal();
  if (!principal || isAdmin(principal)) return true;
  return record.owner === principal.keyId;
}
