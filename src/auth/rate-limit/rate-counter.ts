import type { Redis } from 'ioredis';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/** Fixed-window hit counters: in memory for one process, in Redis across replicas. */
export abstract class RateCounter {
  /** Counts `cost` hits at once (a JSON-RPC batch is as many requests as it has messages). */
  abstract hit(key: string, windowMs: number, cost?: number): Promise<WindowCount>;
}

// Bounds memory under a flood of distinct callers: past it, expired windows are dropped.
const MAX_KEYS = 100_000;

export class MemoryRateCounter extends RateCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  hit(key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size >= MAX_KEYS) this.dropExpired(now);
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += cost;
    return Promise.resolve({ count: window.count, resetMs: window.resetAt - now });
  }

  private dropExpired(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    // Still full of live windows: forget the oldest rather than grow without bound.
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}

const INCREMENT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
if hits == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

export class RedisRateCounter extends RateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  async hit(key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    const [count, resetMs] = (await this.redis.eval(
      INCREMENT,
      1,
      `${this.prefix}${key}`,
      String(windowMs),
      String(cost),
    )) as [number, number];
    return { count, resetMs };
  }
}
