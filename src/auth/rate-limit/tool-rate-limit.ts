import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/logging/request-context.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import { RateLimits } from './rate-limits.js';

/**
 * RATE_LIMIT_TOOL_PER_MINUTE, charged where a call is dispatched: once per call, by the
 * resolved catalog name, whatever door, path spelling, batch or meta-tool it came through.
 * The HTTP request's guard carries the caller here (RequestContext.rateCaller); a call
 * without one (the queue, the stdio door) has no HTTP caller to count and is not limited.
 */
@Injectable()
export class ToolRateLimit {
  private readonly perTool: number;

  constructor(
    private readonly limits: RateLimits,
    config: GatewayConfig,
  ) {
    this.perTool = config.security.rateLimitToolPerMinute;
  }

  /**
   * Counts one call of `toolName` (a catalog name) for the current caller; RATE_LIMITED past
   * the limit. Undefined when nothing is counted, so the hot path awaits nothing then.
   */
  charge(toolName: string): Promise<void> | undefined {
    if (this.perTool <= 0) return undefined;
    const caller = requestContext.getStore()?.rateCaller;
    if (!caller) return undefined;
    return this.limits.charge({
      key: `tool:${caller.tracker}:${toolName}`,
      limit: this.perTool,
      what: `calls of '${toolName}'`,
      show: caller.show,
    });
  }
}
