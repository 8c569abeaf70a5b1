import type { Redis } from 'ioredis';

/** Fingerprints of tool definitions as first seen, by `<server>\0<tool>`. */
export abstract class ToolPinStore {
  /** Every pin, read at start. */
  abstract loadAll(): Promise<Map<string, string>>;
  /** Pins if nothing is pinned yet; answers the pin that holds (someone else's, if first). */
  abstract pinIfAbsent(key: string, fingerprint: string): Promise<string>;
  /** An admin approved a new definition. */
  abstract replace(key: string, fingerprint: string): Promise<void>;
}

export class MemoryToolPinStore extends ToolPinStore {
  private readonly pins = new Map<string, string>();

  loadAll(): Promise<Map<string, string>> {
    return Promise.resolve(new Map(this.pins));
  }

  pinIfAbsent(key: string, fingerprint: string): Promise<string> {
    if (!this.pins.has(key)) this.pins.set(key, fingerprint);
    return Promise.resolve(this.pins.get(key)!);
  }

  replace(key: string, fingerprint: string): Promise<void> {
    this.pins.set(key, fingerprint);
    return Promise.resolve();
  }
}

/** One hash shared by every replica: the first replica to see a tool pins it for all. */
export class RedisToolPinStore extends ToolPinStore {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {
    super();
  }

  async loadAll(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.key)));
  }

  async pinIfAbsent(field: string, fingerprint: string): Promise<string> {
    await this.redis.hsetnx(this.key, field, fingerprint);
    return (await this.redis.hget(this.key, field)) ?? fingerprint;
  }

  async replace(field: string, fingerprint: string): Promise<void> {
    await this.redis.hset(this.key, field, fingerprint);
  }
}
