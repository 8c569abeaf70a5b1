import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { RedisConnections } from '../../common/redis/redis-connections.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import type { UpstreamTool } from '../../mcp/upstream-client.js';
import { isStdioSpec, type ServerSpec } from '../../servers/server-spec.js';
import { toolFingerprint } from './tool-fingerprint.js';
import { MemoryToolPinStore, RedisToolPinStore, type ToolPinStore } from './tool-pin-store.js';

export type PinVerdict = 'trusted' | 'quarantined' | 'flagged';

/** Which server a pin belongs to: its name and what it runs or reaches, never its secrets. */
function serverIdentity(name: string, spec: ServerSpec): string {
  const what = isStdioSpec(spec) ? [spec.command, ...spec.args].join('\0') : spec.url;
  return `${name}\0${createHash('sha256').update(what).digest('hex').slice(0, 16)}`;
}

/**
 * Rug-pull guard: the first definition seen of each tool is pinned; a later change puts the
 * tool in quarantine (TOOL_PINNING=enforce) until an admin approves it, or only flags it
 * (warn). Verdicts are synchronous, from a local copy of the pins; the store (Redis when
 * configured) makes the first replica's pin everyone's, and a late disagreement re-checks.
 */
@Injectable()
export class ToolPins implements OnModuleInit {
  private readonly logger = new Logger(ToolPins.name);
  private readonly store: ToolPinStore;
  private pins = new Map<string, string>();
  private readonly warned = new Set<string>();
  private readonly listeners = new Set<(server: string) => void>();
  readonly mode: 'enforce' | 'warn' | 'off';

  constructor(config: GatewayConfig, redis: RedisConnections) {
    this.mode = config.security.toolPinning;
    const connection = redis.get();
    this.store = connection
      ? new RedisToolPinStore(connection, redis.key('tool-pins'))
      : new MemoryToolPinStore();
  }

  async onModuleInit(): Promise<void> {
    if (this.mode !== 'off') this.pins = await this.store.loadAll();
  }

  /** Told when a server's verdicts may have changed (an approval, another replica's pin). */
  onChange(listener: (server: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  verdict(serverName: string, spec: ServerSpec, tool: UpstreamTool): PinVerdict {
    if (this.mode === 'off') return 'trusted';
    const key = `${serverIdentity(serverName, spec)}\0${tool.name}`;
    const fingerprint = toolFingerprint(tool);
    const pinned = this.pins.get(key);
    if (pinned === undefined) {
      this.pins.set(key, fingerprint);
      void this.store.pinIfAbsent(key, fingerprint).then(
        (holder) => {
          if (holder === fingerprint) return;
          this.pins.set(key, holder);
          this.emit(serverName);
        },
        (error: unknown) =>
          this.logger.warn(
            `could not store the pin of ${serverName}/${tool.name}: ${String(error)}`,
          ),
      );
      return 'trusted';
    }
    if (pinned === fingerprint) return 'trusted';
    if (!this.warned.has(`${key}\0${fingerprint}`)) {
      this.warned.add(`${key}\0${fingerprint}`);
      this.logger.warn(
        `audit: the definition of tool '${tool.name}' on server '${serverName}' changed since it was pinned; ` +
          (this.mode === 'enforce'
            ? 'it is quarantined until an admin approves it'
            : 'TOOL_PINNING=warn lets it through'),
      );
    }
    return this.mode === 'enforce' ? 'quarantined' : 'flagged';
  }

  /** An admin accepts the tool's current definition as the new pin. */
  async approve(serverName: string, spec: ServerSpec, tool: UpstreamTool): Promise<void> {
    const key = `${serverIdentity(serverName, spec)}\0${tool.name}`;
    const fingerprint = toolFingerprint(tool);
    await this.store.replace(key, fingerprint);
    this.pins.set(key, fingerprint);
    this.logger.log(
      `audit: tool '${tool.name}' on server '${serverName}' approved with its new definition`,
    );
    this.emit(serverName);
  }

  private emit(server: string): void {
    for (const listener of this.listeners) listener(server);
  }
}
