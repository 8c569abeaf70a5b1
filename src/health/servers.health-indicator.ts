import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { GatewayConfig } from '../config/gateway-config.js';
import { ScopeRegistries } from '../servers/scope-registries.js';
import { ServersService } from '../servers/servers.service.js';
import { ToolsService } from '../tools/tools.service.js';
import { DrainService } from './drain.service.js';
import { RedisLiveness, type RedisState } from './redis-liveness.js';

export interface GatewaySummary {
  servers_total: number;
  servers_connected: number;
  servers_failed: number;
  tools_total: number;
  /** `unavailable` while Redis is away: sessions and shared limits are then off, tools still work. */
  redis: RedisState;
}

/**
 * Readiness: not draining, the servers file has been read and each of its servers has
 * connected or failed, and at least READY_MIN_SERVERS are connected. Not Redis: it is shared
 * by every replica, so a Redis outage would take them all out of the load balancer at once,
 * while each can still serve the global scope's tools; /health reports it. Liveness asks none
 * of this: a slow dependency must not get the pod killed.
 */
@Injectable()
export class ServersHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly servers: ServersService,
    private readonly scopes: ScopeRegistries,
    private readonly tools: ToolsService,
    private readonly drain: DrainService,
    private readonly redis: RedisLiveness,
    private readonly config: GatewayConfig,
  ) {}

  /** The servers and tools of the global scope, and whether Redis answers commands. */
  async summary(): Promise<GatewaySummary> {
    return { ...this.counts(), redis: await this.redis.state() };
  }

  private counts(): Omit<GatewaySummary, 'redis'> {
    const all = this.scopes.global.list();
    return {
      servers_total: all.length,
      servers_connected: all.filter((s) => s.status === 'connected').length,
      servers_failed: all.filter((s) => s.status === 'failed').length,
      tools_total: this.tools.catalogOf(this.scopes.global).size,
    };
  }

  /** Ready to take traffic. */
  get serving(): boolean {
    return (
      !this.drain.isDraining &&
      this.servers.ready &&
      this.counts().servers_connected >= this.config.readyMinServers
    );
  }

  checkServers(key = 'servers') {
    const indicator = this.indicators.check(key);
    const details = {
      draining: this.drain.isDraining,
      initial_connect_done: this.servers.ready,
      min_connected: this.config.readyMinServers,
      ...this.counts(),
      // Readiness never waits on Redis: what was last seen of it, for the operator.
      redis: this.redis.lastKnownState(),
    };
    return this.serving ? indicator.up(details) : indicator.down(details);
  }
}
