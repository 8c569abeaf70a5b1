import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ErrorCode } from '../../common/errors/error-code.js';
import { GatewayError } from '../../common/errors/gateway-error.js';
import { isRedisUnavailable } from '../../common/redis/redis-unavailable.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import { presentedKey } from '../api-key.guard.js';
import { NOT_RATE_LIMITED, PUBLIC_ROUTE } from '../auth.decorators.js';
import { RateCounter } from './rate-counter.js';

const WINDOW_MS = 60_000;

/**
 * After the counters' store fails, how long requests pass without asking it again. A Redis
 * that hangs (rather than refuses) costs a full command timeout per question: asking on
 * every request would add that to every request, including those that need no Redis at all.
 */
export const STORE_RETRY_AFTER_MS = 5_000;

/** Limits count per caller: the API key (by digest, never the key) or, without one, the address. */
export function callerTracker(req: Request): string {
  const key = presentedKey(req);
  return key
    ? `key:${createHash('sha256').update(key).digest('hex').slice(0, 24)}`
    : `ip:${req.ip ?? 'unknown'}`;
}

/**
 * The tool part of a counter's key: the name when it is a plausible one, else a digest, so
 * that a megabyte of made-up name (refused later, by validation) never becomes a Redis key.
 */
export function toolKeyPart(tool: string): string {
  return tool.length <= 128 && /^[\w.\-/:@ ]*$/.test(tool)
    ? tool
    : `#${createHash('sha256').update(tool).digest('hex').slice(0, 24)}`;
}

/** The tool a request calls, on any HTTP door (REST execute, legacy /tool, MCP tools/call). */
export function calledTool(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return undefined;
  if (req.path === '/mcp/execute' && typeof body.tool_name === 'string') return body.tool_name;
  if (req.path === '/tool' && typeof body.name === 'string') return body.name;
  if (req.path === '/mcp' && body.method === 'tools/call') {
    const params = body.params as { name?: unknown } | undefined;
    return typeof params?.name === 'string' ? params.name : undefined;
  }
  return undefined;
}

/**
 * Per caller across all routes, and per caller and tool on tool calls; fixed one-minute
 * windows. Past a limit: 429 RATE_LIMITED with Retry-After. (Not @nestjs/throttler: its 6.x
 * line is CommonJS importing the ESM-only @nestjs/common 12, which jest cannot load on Node 20.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');
  /** Set while the counter's store fails, so an outage is logged once, not per request. */
  private storeFailing = false;
  /** While the store fails: until when requests pass without asking it (see STORE_RETRY_AFTER_MS). */
  private skipStoreUntil = 0;
  private readonly perCaller: number;
  private readonly perTool: number;

  constructor(
    private readonly counter: RateCounter,
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
    const res = context.switchToHttp().getResponse<Response>();
    const caller = callerTracker(req);
    if (this.perCaller > 0) await this.check(`caller:${caller}`, this.perCaller, res, 'requests');
    const tool = calledTool(req);
    if (this.perTool > 0 && tool !== undefined) {
      const what = `calls of '${tool.slice(0, 128)}'`;
      await this.check(`tool:${caller}:${toolKeyPart(tool)}`, this.perTool, res, what);
    }
    return true;
  }

  private async check(key: string, limit: number, res: Response, what: string): Promise<void> {
    if (this.storeFailing) {
      if (Date.now() < this.skipStoreUntil) return;
      // This request asks the store again; the others keep passing meanwhile, so that a
      // store still hanging holds up one request per STORE_RETRY_AFTER_MS, not all of them.
      this.skipStoreUntil = Date.now() + STORE_RETRY_AFTER_MS;
    }
    let hit: Awaited<ReturnType<RateCounter['hit']>>;
    try {
      hit = await this.counter.hit(key, WINDOW_MS);
    } catch (error) {
      // The counters live in Redis: while it is away, requests pass unlimited (fail open)
      // rather than fail or wait; the concurrency limits still hold, in process. Any other
      // failure is a fault of ours, not an outage, and must not switch the limits off.
      if (!isRedisUnavailable(error)) throw error;
      if (!this.storeFailing) {
        this.logger.warn(`rate limits not enforced while their store fails: ${String(error)}`);
      }
      this.storeFailing = true;
      this.skipStoreUntil = Date.now() + STORE_RETRY_AFTER_MS;
      return;
    }
    if (this.storeFailing) this.logger.log('rate limits enforced again');
    this.storeFailing = false;
    const { count, resetMs } = hit;
    const resetS = Math.max(1, Math.ceil(resetMs / 1000));
    res.setHeader('X-RateLimit-Limit', limit);
    res.setHeader('X-RateLimit-Remaining', Math.max(0, limit - count));
    res.setHeader('X-RateLimit-Reset', resetS);
    if (count > limit) {
      throw new GatewayError(
        ErrorCode.RATE_LIMITED,
        `Rate limit reached: ${limit} ${what} per minute for this caller; retry in ${resetS} s`,
        { retry_after_s: resetS },
      );
    }
  }
}
