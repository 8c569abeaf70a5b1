import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { withTimeout } from '../analytics/with-timeout.js';
import { RedisConnections } from '../common/redis/redis-connections.js';

/** Redis answers a PING in a millisecond or two; one that takes this long is not answering. */
const PING_TIMEOUT_MS = 1000;
/** A verdict is reused this long, so that probes and scrapes do not each cost a PING. */
const VERDICT_TTL_MS = 1000;

export type RedisState = 'connected' | 'unavailable' | 'not configured';

/**
 * Whether Redis answers commands, for /health and /metrics. An open socket is not enough: a
 * Redis that hangs (stopped, swapping, stuck on a slow script) keeps it open while every
 * command times out. So a short PING decides, its verdict cached; once Redis is found down,
 * the next looks answer at once and a PING in the background finds when it is back.
 */
@Injectable()
export class RedisLiveness {
  private verdict?: { up: boolean; at: number };
  private asking?: Promise<boolean>;

  constructor(private readonly redis: RedisConnections) {}

  get enabled(): boolean {
    return this.redis.enabled;
  }

  async state(): Promise<RedisState> {
    if (!this.redis.enabled) return 'not configured';
    return (await this.answering()) ? 'connected' : 'unavailable';
  }

  /**
   * The last verdict without waiting on Redis, for readiness, which must never wait on it. A
   * stale one is asked again in the background, so that the next look is current even when
   * nothing else (/health, /metrics) asks.
   */
  lastKnownState(): RedisState {
    if (!this.redis.enabled) return 'not configured';
    const connection = this.redis.get();
    const open = connection?.status === 'ready';
    if (open && (!this.verdict || Date.now() - this.verdict.at >= VERDICT_TTL_MS)) {
      void this.ask(connection);
    }
    return open && this.verdict?.up !== false ? 'connected' : 'unavailable';
  }

  async answering(): Promise<boolean> {
    const connection = this.redis.get();
    if (!connection || connection.status !== 'ready') return this.remember(false);
    const verdict = this.verdict;
    if (verdict && Date.now() - verdict.at < VERDICT_TTL_MS) return verdict.up;
    const asked = this.ask(connection);
    return verdict?.up === false ? false : asked;
  }

  /** One PING at a time, whoever asks. */
  private ask(connection: Redis): Promise<boolean> {
    this.asking ??= withTimeout(
      connection.ping(),
      PING_TIMEOUT_MS,
      () => new Error(`no PONG within ${PING_TIMEOUT_MS} ms`),
    )
      .then(
        () => true,
        () => false,
      )
      .then((up) => this.remember(up))
      .finally(() => (this.asking = undefined));
    return this.asking;
  }

  private remember(up: boolean): boolean {
    this.verdict = { up, at: Date.now() };
    return up;
  }
}
