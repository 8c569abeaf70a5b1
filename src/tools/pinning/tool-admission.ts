import { Injectable, Logger } from '@nestjs/common';
import { GatewayConfig } from '../../config/gateway-config.js';
import type { UpstreamTool } from '../../mcp/upstream-client.js';
import type { ServerConnection } from '../../servers/server-connection.js';
import { ToolPins } from './tool-pins.service.js';

export type Admission = 'admit' | 'quarantine' | 'reject';

/** Something whose tools may need another look when a pin changes (a catalog). */
export interface PinWatcher {
  resyncServer(serverName: string): void;
  /** The servers it serves now, whose pins must stay. */
  servers(): readonly ServerConnection[];
}

/**
 * Decides which upstream tools enter a catalog: oversized definitions never do
 * (MAX_TOOL_DEFINITION_BYTES), and a definition that changed since it was pinned waits in
 * quarantine. Catalogs are watched through weak references, so a session's catalog can be
 * collected with its session, and are let go as soon as their session ends: thousands of
 * short sessions must not leave as many dead references until the next pin change.
 */
@Injectable()
export class ToolAdmission {
  private readonly logger = new Logger(ToolAdmission.name);
  private readonly maxDefinitionBytes: number;
  private readonly watchers = new Set<WeakRef<PinWatcher>>();
  private readonly rejected = new Set<string>();

  constructor(
    readonly pins: ToolPins,
    config: GatewayConfig,
  ) {
    this.maxDefinitionBytes = config.security.maxToolDefinitionBytes;
    pins.followServed(() => this.served());
    pins.onChange((server) => {
      for (const ref of this.watchers) {
        const watcher = ref.deref();
        if (watcher) watcher.resyncServer(server);
        else this.watchers.delete(ref);
      }
    });
  }

  /**
   * Follows a catalog until the returned function is called (its scope ended); one never
   * unwatched is dropped once collected, at the next pin change or sweep of pins.
   */
  watch(watcher: PinWatcher): () => void {
    const ref = new WeakRef(watcher);
    this.watchers.add(ref);
    return () => this.watchers.delete(ref);
  }

  /** Catalogs followed, collected ones not yet noticed included. */
  get watching(): number {
    return this.watchers.size;
  }

  /** Every server of every live catalog, once each (shared ones appear in many). */
  private served(): Set<ServerConnection> {
    const servers = new Set<ServerConnection>();
    for (const ref of this.watchers) {
      const watcher = ref.deref();
      if (!watcher) this.watchers.delete(ref);
      else for (const server of watcher.servers()) servers.add(server);
    }
    return servers;
  }

  admit(server: ServerConnection, tool: UpstreamTool): Admission {
    const bytes = Buffer.byteLength(JSON.stringify(tool));
    if (bytes > this.maxDefinitionBytes) {
      const key = `${server.name}\0${tool.name}`;
      if (!this.rejected.has(key)) {
        this.rejected.add(key);
        this.logger.warn(
          `tool '${tool.name}' of server '${server.name}' left out: its definition is ${bytes} bytes, over MAX_TOOL_DEFINITION_BYTES (${this.maxDefinitionBytes})`,
        );
      }
      return 'reject';
    }
    return this.pins.verdict(server.name, server.spec, tool) === 'quarantined'
      ? 'quarantine'
      : 'admit';
  }
}
