import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ScopeRegistries } from './scope-registries.js';
import { isStdioSpec } from './server-spec.js';
import { parseServersConfig, type NamedSpec } from './server-spec.parser.js';
import type { ServerConnection } from './server-connection.js';
import type { ServerRegistry } from './server-registry.js';
import { readServersFile } from './servers-file.js';
import { duplicateMemberName } from '../common/json-shape.js';
import { serverView, type ServerView } from './server-view.js';
import { errorMessage } from '../common/errors/error-message.js';
import { assertStdioAllowed } from './stdio-policy.js';
import { bareEntries, shownEntry } from '../config/stdio-allowlist.js';
import {
  assertPinnedAllowed,
  HostNotResolved,
  resolveAllowedUpstream,
} from './upstream-address-policy.js';

export interface AddServersResult {
  added: Pick<ServerView, 'uuid' | 'name' | 'status' | 'tools' | 'quarantined_tools'>[];
  failed: { name: string; error: string }[];
}

/** Use cases on servers: the config file at start, list, add and remove at run time. */
@Injectable()
export class ServersService implements OnApplicationShutdown {
  private readonly logger = new Logger(ServersService.name);
  private fileSpecs: NamedSpec[] = [];
  private initialConnect?: Promise<void>;
  private initialConnectDone = false;

  constructor(
    private readonly scopes: ScopeRegistries,
    private readonly config: GatewayConfig,
  ) {}

  /**
   * Reads the servers file (a bad file fails the start) and starts connecting its servers
   * in the background: the HTTP port opens at once and readiness waits for the connects.
   */
  /**
   * A GATEWAY_STDIO_ALLOWLIST entry that names a command alone (`npx`) once took any
   * arguments; it now allows that command with none. Said at start, not first at a 403.
   */
  private warnBareAllowlistEntries(): void {
    const bare = bareEntries(this.config.stdioAllowlist).map(shownEntry);
    if (bare.length === 0) return;
    this.logger.warn(
      `GATEWAY_STDIO_ALLOWLIST entries ${bare.map((e) => `'${e}'`).join(', ')} allow that command with no arguments at all; an entry matches a whole command line, and only one ending in ' *' (e.g. '${bare[0]} *') takes further arguments`,
    );
  }

  async loadConfigFile(): Promise<void> {
    this.warnBareAllowlistEntries();
    const path = this.config.serversConfigPath;
    if (!path) {
      this.logger.warn(
        'No servers file (MCP_SERVERS_CONFIG, servers.json or servers.txt): starting with no servers',
      );
    } else {
      this.fileSpecs = await readServersFile(path);
      // Now, so that the start fails saying so: in the connecting below it would be a rejection
      // no one awaits yet.
      try {
        this.scopes.global.assertNamesFree(this.fileSpecs, 'config');
      } catch (error) {
        throw new Error(`${path}: ${errorMessage(error)}`, { cause: error });
      }
      this.logger.log(`Servers file ${path}: ${this.fileSpecs.length} server(s)`);
    }
    this.initialConnect = this.scopes.global.addAll(this.fileSpecs, 'config').then(() => {
      this.initialConnectDone = true;
    });
    // Handled by whoever waits for it (main fails its start); not a crash before anyone does.
    this.initialConnect.catch(() => undefined);
  }

  /** Settles when every server of the file has connected or failed. */
  async waitForInitialConnect(): Promise<void> {
    await this.initialConnect;
  }

  get ready(): boolean {
    return this.initialConnectDone;
  }

  /** The servers of the config file, for sessions that start from it. */
  get configFileSpecs(): NamedSpec[] {
    return this.fileSpecs;
  }

  async list(sessionId?: string): Promise<ServerView[]> {
    const registry = await this.scopes.resolve(sessionId);
    return registry.list().map((s) => this.view(registry, s));
  }

  /** The REST body carries the config either as JSON text or as an object, not both. */
  addFromRequest(
    body: { config_data?: string; config?: unknown },
    sessionId?: string,
  ): Promise<AddServersResult> {
    if ((body.config_data === undefined) === (body.config === undefined)) {
      throw new GatewayError(
        ErrorCode.INVALID_REQUEST,
        'Give exactly one of "config_data" (JSON text) or "config" (object)',
      );
    }
    if (body.config !== undefined) return this.add(body.config, sessionId);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.config_data!);
    } catch (e) {
      throw new GatewayError(
        ErrorCode.INVALID_SERVER_CONFIG,
        `Invalid server config: "config_data" is not valid JSON: ${(e as Error).message}`,
      );
    }
    // JSON.parse keeps the last of two servers of one name: the first would vanish unsaid.
    const text = body.config_data;
    const twice = typeof text === 'string' ? duplicateMemberName(text) : undefined;
    if (twice !== undefined) {
      throw new GatewayError(
        ErrorCode.INVALID_SERVER_CONFIG,
        `Invalid server config: "config_data" names ${JSON.stringify(twice.slice(0, 100))} twice in one object`,
      );
    }
    return this.add(parsed, sessionId);
  }

  /**
   * The run-time servers of a session record that still pass today's policies. A record comes
   * back from Redis after a restart or on another replica: whoever can write there must not
   * get a process started, nor may a server allowed before outlive a narrower allowlist.
   */
  stillAllowed(specs: NamedSpec[], sessionId: string): NamedSpec[] {
    const { allowPrivateUpstreams } = this.config.security;
    return specs.filter(({ name, spec }) => {
      try {
        if (isStdioSpec(spec))
          assertStdioAllowed(name, spec, this.config.stdioAllowlist, this.config.stdioEnvAllowlist);
        else assertPinnedAllowed(spec.url, spec.pinned, allowPrivateUpstreams);
        return true;
      } catch (error) {
        this.logger.warn(
          `session ${sessionId.slice(0, 12)}…: server '${name}' is not started: ${errorMessage(error)}`,
        );
        return false;
      }
    });
  }

  async add(configInput: unknown, sessionId?: string): Promise<AddServersResult> {
    const registry = await this.scopes.resolve(sessionId);
    const session = this.scopes.sessions(sessionId);
    const specs = parseServersConfig(configInput);
    if (specs.length === 0) {
      // parseServersConfig took the shape; what it left out were disabled entries.
      const named = Object.keys((configInput as { mcpServers: object }).mcpServers).length;
      throw new GatewayError(
        ErrorCode.INVALID_SERVER_CONFIG,
        named > 0
          ? `Invalid server config: every server "mcpServers" names is disabled ("disabled": true or "enabled": false); nothing to add`
          : 'Invalid server config: "mcpServers" names no server',
      );
    }
    const { allowPrivateUpstreams } = this.config.security;
    const result: AddServersResult = { added: [], failed: [] };
    // A refused policy refuses the whole request; a host that does not resolve fails alone,
    // as a refused connection does.
    const reachable: NamedSpec[] = [];
    for (const named of specs) {
      const { name, spec } = named;
      if (isStdioSpec(spec))
        assertStdioAllowed(name, spec, this.config.stdioAllowlist, this.config.stdioEnvAllowlist);
      else {
        try {
          spec.pinned = await resolveAllowedUpstream(spec.url, {
            allowPrivate: allowPrivateUpstreams,
          });
        } catch (error) {
          if (!(error instanceof HostNotResolved)) throw error;
          // Said here: no connection is made, so none logs it as a refused one would be.
          this.logger.warn(`server '${name}' not added: ${error.message}`);
          result.failed.push({ name, error: error.message });
          continue;
        }
      }
      reachable.push(named);
    }
    await session?.assertRoomFor(sessionId!, reachable.length);
    // Said up front as a 429. A place is taken only at the spawn, so adds racing past this
    // check still cannot start more: theirs fail, each reported in `failed` with the limit.
    registry.assertStdioRoom(reachable);
    // Until the record holds them, another replica's change to the session must not make this
    // one drop them as servers the record does not know.
    const release = session?.holdAdding(
      sessionId!,
      reachable.map((s) => s.name),
    );
    const kept: ServerConnection[] = [];
    try {
      const connections = await registry.addAll(reachable, 'api');
      for (const server of connections) {
        if (server.status === 'connected') kept.push(server);
        else {
          // A server that could not connect is reported, not kept: the caller can retry the same name.
          await registry.remove(server);
          result.failed.push({ name: server.name, error: server.error ?? whyNotConnected(server) });
        }
      }
      if (kept.length > 0 && session) {
        try {
          await session.recordAdded(sessionId!, kept.map(named));
        } catch (error) {
          // Not in the record, so not the session's: other replicas would never connect it, and
          // a retry would find its name taken here for good. What the record holds instead (the
          // same name, added elsewhere meanwhile) is connected on this replica's next use.
          await Promise.all(kept.map((server) => registry.remove(server)));
          session.resync(sessionId!);
          throw error;
        }
      }
    } finally {
      release?.();
    }
    for (const server of kept) {
      const { uuid, name, status, tools, quarantined_tools } = this.view(registry, server);
      result.added.push({
        uuid,
        name,
        status,
        tools,
        ...(quarantined_tools && { quarantined_tools }),
      });
      this.logger.log(`audit: server '${server.name}' added in scope ${registry.scopeId}`);
    }
    return result;
  }

  async remove(
    target: { uuid?: string; name?: string },
    sessionId?: string,
  ): Promise<{ uuid: string; name: string }> {
    if (!target.uuid && !target.name) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, 'Give "server_uuid" or "server_name"');
    }
    const registry = await this.scopes.resolve(sessionId);
    const server = registry.find(target);
    if (!server) {
      throw new GatewayError(
        ErrorCode.SERVER_NOT_FOUND,
        `No server ${target.name !== undefined ? `named '${target.name}'` : `with uuid '${target.uuid}'`} in this scope`,
      );
    }
    // Both given and not naming one server: a stale uuid, say. Remove neither, and say which.
    if (target.uuid && target.name !== undefined && server.uuid !== target.uuid) {
      if (!registry.find({ uuid: target.uuid })) {
        throw new GatewayError(
          ErrorCode.SERVER_NOT_FOUND,
          `No server with uuid '${target.uuid}' in this scope (server_name '${target.name}' names one with uuid '${server.uuid}'); nothing removed`,
        );
      }
      throw new GatewayError(
        ErrorCode.INVALID_REQUEST,
        `server_name '${target.name}' and server_uuid '${target.uuid}' name different servers; give one, or both of the same server`,
      );
    }
    // The record first: if it cannot be written, nothing has changed anywhere and a retry
    // finds the server still here. Closed first, a failed write would leave the server gone
    // from this replica only, and live on every other.
    await this.scopes.sessions(sessionId)?.recordRemoved(sessionId!, server.name);
    await registry.remove(server);
    this.logger.log(`audit: server '${server.name}' removed from scope ${registry.scopeId}`);
    return { uuid: server.uuid, name: server.name };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scopes.global.closeAll();
  }

  private view(registry: ServerRegistry, server: ServerConnection): ServerView {
    return serverView(server, this.scopes.toolNamesOf(registry, server.name));
  }
}

function named(server: ServerConnection): NamedSpec {
  return { name: server.name, spec: server.spec };
}

/** A server that ended without an error of its own was closed while it connected. */
function whyNotConnected(server: ServerConnection): string {
  return server.status === 'closed'
    ? 'closed while it was connecting (removed, or its session ended)'
    : server.status;
}
