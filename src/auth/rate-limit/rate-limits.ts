import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '../../common/errors/error-code.js';
import { GatewayError } from '../../common/errors/gateway-error.js';
import { isRedisUnavailable } from '../../common/redis/redis-unavailable.js';
import { RateCounter, type WindowCount } from './rate-counter.js';

const WINDOW_MS = 60_000;

/**
 * After the counters' store fails, how long requests pass without asking it again. A Redis
 * that hangs (rather than refuses) costs a full command timeout per question: asking on
 * every request would add that to every request, including those that need no Redis at all.
 */
export const STORE_RETRY_AFTER_MS = 5_000;

/** Shows a caller where it stands (the X-RateLimit-* headers), where it can still be shown. */
export type ShowLimit = (limit: number, remaining: number, resetS: number) => void;

export interface Charge {
  /** The counter: who is counted, and for what. */
  key: string;
  limit: number;
  /** What is counted, for the refusal's message ("requests", "calls of 'demo__echo'"). */
  what: string;
  /** How many hits this is (the messages of a JSON-RPC batch); 1 by default. */
  cost?: number;
  show?: ShowLimit;
}

/**
 * The fixed one-minute windows every rate limit counts in, whoever checks them (the guard per
 * request, the tools service per call). Past a limit: RATE_LIMITED with retry_after_s. One
 * instance, so that an outage of the store is noticed, logged and waited out once for all.
 */
@Injectable()
export class RateLimits {
  private readonly logger = new Logger('RateLimit');
  /** Set while the counter's store fails, so an outage is logged once, not per request. */
  private storeFailing = false;
  /** While the store fails: until when requests pass without asking it (see STORE_RETRY_AFTER_MS). */
  private skipStoreUntil = 0;

  constructor(private readonly counter: RateCounter) {}

  async charge({ key, limit, what, cost = 1, show }: Charge): Promise<void> {
    const hit = await this.hit(key, cost);
    if (!hit) return;
    const { count, resetMs } = hit;
    const resetS = Math.max(1, Math.ceil(resetMs / 1000));
    show?.(limit, Math.max(0, limit - count), resetS);
    if (count > limit) {
      throw new GatewayError(
        ErrorCode.RATE_LIMITED,
        `Rate limit reached: ${limit} ${what} per minute for this caller; retry in ${resetS} s`,
        { retry_after_s: resetS },
      );
    }
  }

  /** The window after this hit; undefined while the store is away (fail open). */
  private async hit(key: string, cost: number): Promise<WindowCount | undefined> {
    if (this.storeFailing) {
      if (Date.now() < this.skipStoreUntil) return undefined;
      // This request asks the store again; the others keep passing meanwhile, so that a
      // store still hanging holds up one request per STORE_RETRY_AFTER_MS, not all of them.
      this.skipStoreUntil = Date.now() + STORE_RETRY_AFTER_MS;
    }
    let hit: WindowCount;
    try {
      hit = await this.counter.hit(key, WINDOW_MS, cost);
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
      return undefined;
    }
    if (this.storeFailing) this.logger.log('rate limits enforced again');
    this.storeFailing = false;
    return hit;
  }
}
