import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { requestContext } from '../../common/logging/request-context.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import { presentedKey } from '../api-key.guard.js';
import { NOT_RATE_LIMITED, PUBLIC_ROUTE } from '../auth.decorators.js';
import { RateLimits, type ShowLimit } from './rate-limits.js';

/** Limits count per caller: the API key (by digest, never the key) or, without one, the address. */
export function callerTracker(req: Request): string {
  const key = presentedKey(req);
  return key
    ? `key:${createHash('sha256').update(key).digest('hex').slice(0, 24)}`
    : `ip:${req.ip ?? 'unknown'}`;
}

/**
 * How many requests an HTTP request is. Only the MCP door takes a JSON array, a JSON-RPC batch
 * (MCP 2025-03-26), and each of its messages is a request of its own: counted once, a batch
 * of up to 100 would multiply the limit by 100. An array sent to any other route is refused
 * there, and costs what it holds all the same.
 */
export function requestCost(req: Request): number {
  const body: unknown = req.body;
  return Array.isArray(body) ? Math.max(1, body.length) : 1;
}

/** The X-RateLimit-* headers, while the answer has not started (an MCP stream may have). */
function headersOf(res: Response): ShowLimit {
  return (limit, remaining, resetS) => {
    if (res.headersSent) return;
    res.setHeader('X-RateLimit-Limit', limit);
    res.setHeader('X-RateLimit-Remaining', remaining);
    res.setHeader('X-RateLimit-Reset', resetS);
  };
}

/**
 * RATE_LIMIT_PER_MINUTE per caller across all routes, in fixed one-minute windows; past it,
 * 429 RATE_LIMITED with Retry-After. The per-tool limit is not checked here, where only the
 * name as sent is known: the guard hands the caller on (RequestContext.rateCaller) and each
 * call is counted once its name is resolved (ToolRateLimit). (Not @nestjs/throttler: its 6.x
 * line is CommonJS importing the ESM-only @nestjs/common 12, which jest cannot load on Node 20.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly perCaller: number;
  private readonly perTool: number;

  constructor(
    private readonly limits: RateLimits,
    private readonly reflector: Reflector,
    config: GatewayConfig,
  ) {
    this.perCaller = config.security.rateLimitPerMinute;
    this.perTool = config.security.rateLimitToolPerMinute;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // The queue door has its own bounded concurrency; these limits are per HTTP caller.
    if (context.getType() !== 'http') return true;
    // Both limits off: no caller digest, no counter, on every request.
    if (this.perCaller <= 0 && this.perTool <= 0) return true;
    // The probes (/health/live, /health/ready) come from the orchestrator's address, which a
    // busy caller may share: limiting them would fail a healthy pod's probes.
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(NOT_RATE_LIMITED, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const caller = {
      tracker: callerTracker(req),
      show: headersOf(context.switchToHttp().getResponse<Response>()),
    };
    const store = requestContext.getStore();
    if (store) store.rateCaller = caller;
    if (this.perCaller > 0) {
      await this.limits.charge({
        key: `caller:${caller.tracker}`,
        limit: this.perCaller,
        what: 'requests',
        cost: requestCost(req),
        show: caller.show,
      });
    }
    return true;
  }
}
