import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisConnections } from '../common/redis/redis-connections.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ScopeRegistries } from '../servers/scope-registries.js';
import { ServersService } from '../servers/servers.service.js';
import { ToolsService } from '../tools/tools.service.js';
import { DrainService } from './drain.service.js';

export interface GatewaySummary {
  servers_total: number;
  servers_connected: number;
  servers_failed: number;
  tools_total: number;
  /** `unavailable` while Redis is away: sessions and shared limits are then off, tools still work. */
  redis: 'connected' | 'unavailable' | 'not configured';
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
    private readonly redis: RedisConnections,
    private readonly config: GatewayConfig,
  ) {}

  summary(): GatewaySummary {
    const all = this.scopes.global.list();
    return {
      servers_total: all.length,
      servers_connected: all.filter((s) => s.status === 'connected').length,
      servers_failed: all.filter((s) => s.status === 'failed').length,
      tools_total: this.tools.catalogOf(this.scopes.global).size,
      redis: !this.redis.enabled
        ? 'not configured'
        : this.redis.get()?.status === 'ready'
          ? 'connected'
          : 'unavailable',
    };
  }

  /** Ready to take traffic. */
  get serving(): boolean {
    return (
      !this.drain.isDraining &&
      this.servers.ready &&
      this.summary().servers_connected >= this.config.readyMinServers
    );
  }

  checkServers(key = 'servers') {
    const indicator = this.indicators.check(key);
    const details = {
      draining: this.drain.isDraining,
      initial_connect_done: this.servers.ready,
      min_connected: this.config.readyMinServers,
      ...this.summary(),
    };
    return this.serving ? indicator.up(details) : indicator.down(details);
  }
}
