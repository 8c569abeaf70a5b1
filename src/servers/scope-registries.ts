import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { UpstreamClientFactory } from '../mcp/upstream-client.js';
import { ServerRegistry } from './server-registry.js';

/** Finds the registry of a session; the sessions feature provides one. */
export abstract class SessionRegistryResolver {
  /** Throws SESSION_NOT_FOUND for an unknown or expired id. */
  abstract registryFor(sessionId: string): Promise<ServerRegistry>;
}

/**
 * Maps a request's scope to its registry: no session id means the global registry; a
 * session id means that session's registry, never a silent fall-back to global.
 */
@Injectable()
export class ScopeRegistries {
  readonly global: ServerRegistry;
  private sessions?: SessionRegistryResolver;
  private toolNames?: (registry: ServerRegistry, server: string) => string[];

  constructor(
    private readonly factory: UpstreamClientFactory,
    private readonly config: GatewayConfig,
  ) {
    this.global = this.create('global');
  }

  create(scopeId: string): ServerRegistry {
    return new ServerRegistry(scopeId, this.factory, {
      timeoutMs: this.config.serverConnectTimeoutMs,
      killGraceMs: this.config.stdioKillGraceMs,
    });
  }

  /** The catalog (tools/) names a server's tools; servers/ only shows them. */
  useToolNames(namesOf: (registry: ServerRegistry, server: string) => string[]): void {
    this.toolNames = namesOf;
  }

  toolNamesOf(registry: ServerRegistry, server: string): string[] {
    return this.toolNames?.(registry, server) ?? [];
  }

  useSessions(resolver: SessionRegistryResolver): void {
    this.sessions = resolver;
  }

  async resolve(sessionId?: string): Promise<ServerRegistry> {
    if (sessionId === undefined) return this.global;
    if (!this.sessions) {
      throw new GatewayError(ErrorCode.SESSION_NOT_FOUND, `Session '${sessionId}' not found`);
    }
    return this.sessions.registryFor(sessionId);
  }
}
