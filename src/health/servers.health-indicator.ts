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
}

const REDIS_PING_TIMEOUT_MS = 1000;

/**
 * Readiness: not draining, the servers file has been read and each of its servers has
 * connected or failed, at least READY_MIN_SERVERS are connected, and Redis (when configured)
 * answers. Liveness asks none of this: a slow dependency must not get the pod killed.
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
    };
  }

  /** Ready to take traffic, apart from Redis (checked separately, it needs a round trip). */
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

  async checkRedis(key = 'redis') {
    const indicator = this.indicators.check(key);
    const connection = this.redis.get();
    if (!connection) return indicator.up({ configured: false });
    try {
      const answer = await Promise.race([
        connection.ping(),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no answer in ${REDIS_PING_TIMEOUT_MS} ms`)),
            REDIS_PING_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
      return indicator.up({ configured: true, ping: answer });
    } catch (error) {
      return indicator.down({ configured: true, error: (error as Error).message });
    }
  }
}
