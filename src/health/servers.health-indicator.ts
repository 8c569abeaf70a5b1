import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ScopeRegistries } from '../servers/scope-registries.js';
import { ServersService } from '../servers/servers.service.js';
import { ToolsService } from '../tools/tools.service.js';

export interface GatewaySummary {
  servers_total: number;
  servers_connected: number;
  servers_failed: number;
  tools_total: number;
}

/** Readiness: the servers file has been read and every server in it has connected or failed. */
@Injectable()
export class ServersHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly servers: ServersService,
    private readonly scopes: ScopeRegistries,
    private readonly tools: ToolsService,
  ) {}

  get ready(): boolean {
    return this.servers.ready;
  }

  summary(): GatewaySummary {
    const all = this.scopes.global.list();
    return {
      servers_total: all.length,
      servers_connected: all.filter((s) => s.status === 'connected').length,
      servers_failed: all.filter((s) => s.status === 'failed').length,
      tools_total: this.tools.catalogOf(this.scopes.global).size,
    };
  }

  check(key = 'servers') {
    const indicator = this.indicators.check(key);
    const details = { initial_connect_done: this.servers.ready, ...this.summary() };
    return this.servers.ready ? indicator.up(details) : indicator.down(details);
  }
}
