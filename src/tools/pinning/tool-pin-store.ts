import type { Redis } from 'ioredis';

/**
 * Fingerprints of tool definitions as first seen, by `<server>\0<tool>`, each with the last
 * time a gateway served the tool, so pins of servers gone for good can be dropped.
 */
export abstract class ToolPinStore {
  /** Every pin, read at start. */
  abstract loadAll(): Promise<Map<string, string>>;
  /** The pin that holds now, if any. */
  abstract get(key: string): Promise<string | undefined>;
  /** Pins if nothing is pinned yet; answers the pin that holds (someone else's, if first). */
  abstract pinIfAbsent(key: string, fingerprint: string): Promise<string>;
  /** An admin approved a new definition. */
  abstract replace(key: string, fingerprint: string): Promise<void>;
  /** These pins' tools are being served now: their expiry starts again. */
  abstract touch(keys: readonly string[]): Promise<void>;
  /** Drops the pins not touched since `seenBefore` (ms); answers their keys. */
  abstract prune(seenBefore: number): Promise<string[]>;
}

export class MemoryToolPinStore extends ToolPinStore {
  private readonly pins = new Map<string, string>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  loadAll(): Promise<Map<string, string>> {
    return Promise.resolve(new Map(this.pins));
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.pins.get(key));
  }

  pinIfAbsent(key: string, fingerprint: string): Promise<string> {
    if (!this.pins.has(key)) this.pins.set(key, fingerprint);
    this.seen.set(key, this.now());
    return Promise.resolve(this.pins.get(key)!);
  }

  replace(key: string, fingerprint: string): Promise<void> {
    this.pins.set(key, fingerprint);
    this.seen.set(key, this.now());
    return Promise.resolve();
  }

  touch(keys: readonly string[]): Promise<void> {
    const now = this.now();
    for (const key of keys) if (this.pins.has(key)) this.seen.set(key, now);
    return Promise.resolve();
  }

  prune(seenBefore: number): Promise<string[]> {
    const dropped = [...this.seen].filter(([, at]) => at < seenBefore).map(([key]) => key);
    for (const key of dropped) {
      this.pins.delete(key);
      this.seen.delete(key);
    }
    return Promise.resolve(dropped);
  }
}

/** Pins dropped per script run, so one prune never blocks Redis for long. */
const PRUNE_BATCH = 500;

// KEYS: pins hash, last-seen sorted set. ARGV: cutoff, batch. Answers the dropped keys.
const PRUNE_SCRIPT = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #keys > 0 then
  redis.call('HDEL', KEYS[1], unpack(keys))
  redis.call('ZREM', KEYS[2], unpack(keys))
end
return keys`;

/**
 * One hash shared by every replica: the first replica to see a tool pins it for all. A sorted
 * set beside it holds each pin's last-seen time; every replica touches the pins it serves.
 */
export class RedisToolPinStore extends ToolPinStore {
  private readonly seenKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.seenKey = `${key}:seen`;
  }

  async loadAll(): Promise<Map<string, string>> {
    const pins = new Map(Object.entries(await this.redis.hgetall(this.key)));
    // Pins written before last-seen times existed start their expiry now, not never.
    const keys = [...pins.keys()];
    const now = String(this.now());
    for (let i = 0; i < keys.length; i += PRUNE_BATCH) {
      const batch = keys.slice(i, i + PRUNE_BATCH).flatMap((k) => [now, k]);
      await this.redis.zadd(this.seenKey, 'NX', ...batch);
    }
    return pins;
  }

  async get(field: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key, field)) ?? undefined;
  }

  async pinIfAbsent(field: string, fingerprint: string): Promise<string> {
    const [, , [, holder]] = (await this.redis
      .multi()
      .hsetnx(this.key, field, fingerprint)
      .zadd(this.seenKey, this.now(), field)
      .hget(this.key, field)
      .exec()) as [unknown, unknown, [unknown, string | null]];
    return holder ?? fingerprint;
  }

  async replace(field: string, fingerprint: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key, field, fingerprint)
      .zadd(this.seenKey, this.now(), field)
      .exec();
  }

  async touch(keys: readonly string[]): Promise<void> {
    const now = String(this.now());
    for (let i = 0; i < keys.length; i += PRUNE_BATCH) {
      // XX: a pin pruned meanwhile stays gone; its tool is pinned again when next seen.
      const batch = keys.slice(i, i + PRUNE_BATCH).flatMap((k) => [now, k]);
      await this.redis.zadd(this.seenKey, 'XX', ...batch);
    }
  }

  async prune(seenBefore: number): Promise<string[]> {
    const dropped: string[] = [];
    for (;;) {
      const batch = (await this.redis.eval(
        PRUNE_SCRIPT,
        2,
        this.key,
        this.seenKey,
        String(seenBefore),
        String(PRUNE_BATCH),
      )) as string[];
      dropped.push(...batch);
      if (batch.length < PRUNE_BATCH) return dropped;
    }
  }
}
