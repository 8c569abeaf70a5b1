import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { currentPrincipal } from '../common/logging/request-context.js';
import { GatewayConfig } from '../config/gateway-config.js';

/**
 * Bounds tool calls in flight, per API key and in total, on every door. Past a bound the
 * caller gets an immediate 429 (its own key is busy) or 503 (the gateway is), never a queue
 * that grows until everything times out.
 */
@Injectable()
export class CallLimiter {
  private total = 0;
  private readonly perKey = new Map<string, number>();
  private readonly maxTotal: number;
  private readonly maxPerKey: number;

  constructor(config: GatewayConfig) {
    this.maxTotal = config.security.maxConcurrentCalls;
    this.maxPerKey = config.security.maxConcurrentCallsPerKey;
  }

  get inFlight(): number {
    return this.total;
  }

  /** Takes a slot for the current caller; call the returned function exactly once when done. */
  acquire(): () => void {
    const key = currentPrincipal()?.keyId ?? 'internal';
    const mine = this.perKey.get(key) ?? 0;
    if (mine >= this.maxPerKey) {
      throw new GatewayError(
        ErrorCode.CONCURRENCY_LIMIT,
        `This API key already has ${mine} tool calls in flight (MAX_CONCURRENT_CALLS_PER_KEY); retry when one finishes`,
        { retry_after_s: 1 },
      );
    }
    if (this.total >= this.maxTotal) {
      throw new GatewayError(
        ErrorCode.GATEWAY_BUSY,
        `The gateway has ${this.total} tool calls in flight (MAX_CONCURRENT_CALLS); retry shortly`,
        { retry_after_s: 1 },
      );
    }
    this.total += 1;
    this.perKey.set(key, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left === 0) this.perKey.delete(key);
      else this.perKey.set(key, left);
    };
  }
}
