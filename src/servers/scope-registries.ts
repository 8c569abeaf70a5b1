import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { UpstreamClientFactory } from '../mcp/upstream-client.js';
import { shownId } from '../sessions/session-id.js';
import type { NamedSpec } from './server-spec.parser.js';
import { ServerRegistry } from './server-registry.js';
import { SharedConnections } from './shared-connections.js';
import { StdioProcessBudget } from './stdio-process-budget.js';

/** A server's tools as the catalog names them: those it offers, and those tool pinning holds back. */
export interface ServerToolNames {
  listed: string[];
  quarantined: string[];
}

/** What the sessions feature provides to the servers feature (which cannot import it). */
export abstract class SessionScopes {
  /** Throws SESSION_NOT_FOUND for an unknown or expired id. */
  abstract registryFor(sessionId: string): Promise<ServerRegistry>;
  /** Throws SERVER_LIMIT when the session would hold more servers than allowed. */
  abstract assertRoomFor(sessionId: string, count: number): Promise<void>;
  /** Servers added at run time are part of the session record (restarts, other replicas). */
  abstract recordAdded(sessionId: string, specs: NamedSpec[]): Promise<void>;
  abstract recordRemoved(sessionId: string, name: string): Promise<void>;
  /** Servers being added (connected, not yet recorded) are not dropped as stale meanwhile. */
  abstract holdAdding(sessionId: string, names: string[]): () => void;
  /** This process's copy of the session may differ from the record: follow it on next use. */
  abstract resync(sessionId: string): void;
}

/**
 * Maps a request's scope to its registry: no session id means the global registry; a
 * session id means that session's registry, never a silent fall-back to global.
 */
@Injectable()
export class ScopeRegistries implements OnApplicationShutdown {
  readonly global: ServerRegistry;
  readonly shared: SharedConnections;
  readonly stdioProcesses: StdioProcessBudget;
  private sessionScopes?: SessionScopes;
  private toolNames?: (registry: ServerRegistry, server: string) => ServerToolNames;

  constructor(
    private readonly factory: UpstreamClientFactory,
    private readonly config: GatewayConfig,
  ) {
    this.stdioProcesses = new StdioProcessBudget(config.stdioProcessLimits);
    this.shared = new SharedConnections(factory, this.connectOptions(), this.stdioProcesses);
    this.global = this.create('global');
  }

  /** `key`: the API key id owning the session, for STDIO_MAX_PROCESSES_PER_KEY. */
  create(scopeId: string, key?: string): ServerRegistry {
    return new ServerRegistry(scopeId, this.factory, this.connectOptions(), this.shared, {
      budget: this.stdioProcesses,
      key,
    });
  }

  /** The catalog (tools/) names a server's tools; servers/ only shows them. */
  useToolNames(namesOf: (registry: ServerRegistry, server: string) => ServerToolNames): void {
    this.toolNames = namesOf;
  }

  toolNamesOf(registry: ServerRegistry, server: string): ServerToolNames {
    return this.toolNames?.(registry, server) ?? { listed: [], quarantined: [] };
  }

  useSessions(scopes: SessionScopes): void {
    this.sessionScopes = scopes;
  }

  /** The session side, for a scoped call; undefined for the global scope. */
  sessions(sessionId?: string): SessionScopes | undefined {
    if (sessionId === undefined) return undefined;
    if (!this.sessionScopes) throw notFound(sessionId);
    return this.sessionScopes;
  }

  async resolve(sessionId?: string): Promise<ServerRegistry> {
    const sessions = this.sessions(sessionId);
    return sessions ? sessions.registryFor(sessionId!) : this.global;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.shared.closeAll();
  }

  private connectOptions() {
    return {
      timeoutMs: this.config.serverConnectTimeoutMs,
      pingIntervalMs: this.config.serverPingIntervalMs,
      relistIntervalMs: this.config.toolsRelistIntervalMs,
      killGraceMs: this.config.stdioKillGraceMs,
      maxTools: this.config.maxToolsPerServer,
    };
  }
}

function notFound(sessionId: string): GatewayError {
  return new GatewayError(ErrorCode.SESSION_NOT_FOUND, `Session '${shownId(sessionId)}' not found`);
}
