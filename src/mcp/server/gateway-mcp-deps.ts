import { Injectable, Optional } from '@nestjs/common';
import { GatewayConfig } from '../../config/gateway-config.js';
import { ToolSearch } from '../../routing/tool-search.js';
import { ScopeRegistries } from '../../servers/scope-registries.js';
import { ToolsService } from '../../tools/tools.service.js';
import { FeatureListings } from './feature-listings.js';
import { ResourceSubscriptions } from './resource-subscriptions.js';
import { ToolUsage } from './tool-usage.js';

/** What every MCP client session needs from the rest of the gateway, in one injectable. */
@Injectable()
export class GatewayMcpDeps {
  readonly subscriptions = new ResourceSubscriptions();
  readonly listings: FeatureListings;

  constructor(
    readonly tools: ToolsService,
    readonly scopes: ScopeRegistries,
    readonly config: GatewayConfig,
    readonly usage: ToolUsage,
    // RoutingModule provides it; without it search_tools answers that search is unavailable.
    @Optional() readonly search?: ToolSearch,
  ) {
    this.listings = new FeatureListings(config.mcpServer.listTimeoutMs);
  }
}
