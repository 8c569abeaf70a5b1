import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RedisConnections } from '../../common/redis/redis-connections.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import type { UpstreamTool } from '../../mcp/upstream-client.js';
import { isStdioSpec, type ServerSpec } from '../../servers/server-spec.js';
import { toolFingerprint } from './tool-fingerprint.js';
import { MemoryToolPinStore, RedisToolPinStore, type ToolPinStore } from './tool-pin-store.js';

export type PinVerdict = 'trusted' | 'quarantined' | 'flagged';

/** A server being served, as far as its pins go: each of its tools keeps its pin alive. */
export interface ServedServer {
  name: string;
  spec: ServerSpec;
  tools: readonly UpstreamTool[];
}

const DAY_MS = 24 * 60 * 60_000;
/** How often the pins of served tools are touched and stale ones dropped. */
const SWEEP_MS = 60 * 60_000;

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
 *
 * Pins of tools no gateway has served for TOOL_PIN_TTL_DAYS are dropped, so servers added at
 * run time and gone for good do not grow the pins without end: every hour each replica
 * touches the pins of the tools it serves, then drops the stale ones.
 */
/** At most one change warning per tool in this time; the next one counts those not said. */
const CHANGE_WARNING_INTERVAL_MS = 60_000;

interface ChangeWarned {
  fingerprint: string;
  at: number;
  unsaid: number;
  /** Says the changes not yet said once the minute is over, if no later change does. */
  flush?: NodeJS.Timeout;
}

@Injectable()
export class ToolPins implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ToolPins.name);
  private readonly store: ToolPinStore;
  private pins = new Map<string, string>();
  /** When this process last saw each pin's tool: its own copy expires like the store's. */
  private readonly seenAt = new Map<string, number>();
  /**
   * The last change warned of, per pin: one entry per pin (not per definition seen), and at
   * most one warning a minute per tool, so a server that changes a definition without end
   * neither grows this map nor floods the log.
   */
  private readonly warned = new Map<string, ChangeWarned>();
  private readonly listeners = new Set<(server: string) => void>();
  private served: () => Iterable<ServedServer> = () => [];
  private sweeper?: NodeJS.Timeout;
  readonly mode: 'enforce' | 'warn' | 'off';
  private readonly ttlMs: number;

  /** The clock; a test moves it to see pins expire. */
  now: () => number = Date.now;

  /** Approvals are announced here, so every replica lets the approved tool through at once. */
  private readonly approvals: string;

  constructor(
    config: GatewayConfig,
    private readonly redis: RedisConnections,
  ) {
    this.mode = config.security.toolPinning;
    this.approvals = redis.key('events', 'tool-pin-approved');
    this.ttlMs = config.security.toolPinTtlDays * DAY_MS;
    const connection = redis.get();
    const clock = () => this.now();
    this.store = connection
      ? new RedisToolPinStore(connection, redis.key('tool-pins'), clock)
      : new MemoryToolPinStore(clock);
  }

  async onModuleInit(): Promise<void> {
    if (this.mode === 'off') return;
    this.pins = await this.store.loadAll();
    const now = this.now();
    for (const key of this.pins.keys()) this.seenAt.set(key, now);
    await this.followApprovals();
    if (this.ttlMs > 0) {
      this.sweeper = setInterval(() => void this.sweep().catch(this.sweepFailed), SWEEP_MS);
      this.sweeper.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    for (const entry of this.warned.values()) clearTimeout(entry.flush);
  }

  /** Another replica's approval: its new pin is read from the store and applied here. */
  private async followApprovals(): Promise<void> {
    const subscriber = this.redis.get('tool-pin-events');
    if (!subscriber) return;
    subscriber.on('message', (channel: string, key: string) => {
      if (channel !== this.approvals) return;
      void this.store.get(key).then(
        (fingerprint) => {
          if (fingerprint === undefined || this.pins.get(key) === fingerprint) return;
          this.pins.set(key, fingerprint);
          this.seenAt.set(key, this.now());
          this.emit(key.split('\0')[0]);
        },
        (error: unknown) => this.logger.warn(`could not read an approved pin: ${String(error)}`),
      );
    });
    await subscriber.subscribe(this.approvals);
  }

  /** Where the servers being served come from (every scope's catalog): their pins stay. */
  followServed(served: () => Iterable<ServedServer>): void {
    this.served = served;
  }

  /** Touches the pins of served tools, then drops those unseen for the TTL, here and in the store. */
  async sweep(): Promise<number> {
    if (this.mode === 'off' || this.ttlMs <= 0) return 0;
    const now = this.now();
    const touched = new Set<string>();
    for (const server of this.served()) {
      const identity = serverIdentity(server.name, server.spec);
      for (const tool of server.tools) {
        const key = `${identity}\0${tool.name}`;
        if (this.pins.has(key)) touched.add(key);
      }
    }
    for (const key of touched) this.seenAt.set(key, now);
    await this.store.touch([...touched]);
    const cutoff = now - this.ttlMs;
    const dropped = new Set(await this.store.prune(cutoff));
    // Unseen here is not unseen everywhere: another replica may be serving the tool and
    // touching its pin. Forgetting a pin the store still holds would trust a changed
    // definition until the store answered, so a pin goes only once the store has no copy.
    const staleHere = [...this.seenAt].filter(([key, at]) => at < cutoff && !dropped.has(key));
    for (const [key] of staleHere) {
      if ((await this.store.get(key)) === undefined) dropped.add(key);
      else this.seenAt.set(key, now);
    }
    for (const key of dropped) {
      this.pins.delete(key);
      this.seenAt.delete(key);
      this.forgetWarned(key);
    }
    if (dropped.size > 0) {
      this.logger.log(
        `dropped ${dropped.size} pin(s) of tools unseen for ${this.ttlMs / DAY_MS} days`,
      );
    }
    return dropped.size;
  }

  private readonly sweepFailed = (error: unknown): void =>
    this.logger.warn(`could not sweep tool pins: ${String(error)}`);

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
    this.seenAt.set(key, this.now());
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
    this.warnChanged(key, fingerprint, serverName, tool.name);
    return this.mode === 'enforce' ? 'quarantined' : 'flagged';
  }

  private warnChanged(
    key: string,
    fingerprint: string,
    serverName: string,
    toolName: string,
  ): void {
    const last = this.warned.get(key);
    if (last?.fingerprint === fingerprint) return;
    const now = this.now();
    if (last && now - last.at < CHANGE_WARNING_INTERVAL_MS) {
      last.fingerprint = fingerprint;
      last.unsaid += 1;
      // The definition now served must reach the audit log even if nothing changes after it.
      last.flush ??= setTimeout(
        () => this.sayUnsaid(key, serverName, toolName),
        last.at + CHANGE_WARNING_INTERVAL_MS - now,
      ).unref();
      return;
    }
    clearTimeout(last?.flush);
    this.warned.set(key, { fingerprint, at: now, unsaid: 0 });
    this.warnOfChange(serverName, toolName, last?.unsaid ?? 0);
  }

  private sayUnsaid(key: string, serverName: string, toolName: string): void {
    const entry = this.warned.get(key);
    if (!entry || entry.unsaid === 0) return;
    const unsaid = entry.unsaid;
    Object.assign(entry, { at: this.now(), unsaid: 0, flush: undefined });
    this.warnOfChange(serverName, toolName, unsaid);
  }

  private warnOfChange(serverName: string, toolName: string, unsaid: number): void {
    const more = unsaid > 0 ? ` (${unsaid} more change(s) since the last warning)` : '';
    this.logger.warn(
      `audit: the definition of tool '${toolName}' on server '${serverName}' changed since it was pinned${more}; ` +
        (this.mode === 'enforce'
          ? 'it is quarantined until an admin approves it'
          : 'TOOL_PINNING=warn lets it through'),
    );
  }

  /** Forgets a tool's change warnings (its pin was approved or dropped). */
  private forgetWarned(key: string): void {
    clearTimeout(this.warned.get(key)?.flush);
    this.warned.delete(key);
  }

  /** An admin accepts the tool's current definition as the new pin. */
  async approve(serverName: string, spec: ServerSpec, tool: UpstreamTool): Promise<void> {
    const key = `${serverIdentity(serverName, spec)}\0${tool.name}`;
    const fingerprint = toolFingerprint(tool);
    await this.store.replace(key, fingerprint);
    this.pins.set(key, fingerprint);
    this.seenAt.set(key, this.now());
    this.forgetWarned(key);
    this.logger.log(
      `audit: tool '${tool.name}' on server '${serverName}' approved with its new definition`,
    );
    this.emit(serverName);
    try {
      await this.redis.get()?.publish(this.approvals, key);
    } catch (error) {
      // The others still apply it at their next start; say so rather than fail the approval.
      this.logger.warn(`could not announce the approval to other replicas: ${String(error)}`);
    }
  }

  private emit(server: string): void {
    for (const listener of this.listeners) listener(server);
  }
}
