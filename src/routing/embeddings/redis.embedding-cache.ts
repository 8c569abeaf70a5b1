import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { withDeadline } from '../model-failure.js';
import { EmbeddingCache } from './embedding-cache.js';

const TTL_SECONDS = 30 * 24 * 3600;
/** The shared connection queues commands while Redis is down; a cache must not wait for it. */
const REDIS_DEADLINE_MS = 1_000;

/**
 * Embeddings in Redis as raw little-endian float32 bytes (a quarter of the JSON size), with
 * a TTL so vectors of tools nobody serves any more expire. Redis trouble degrades to a
 * miss: search must keep working while Redis is down.
 */
export class RedisEmbeddingCache extends EmbeddingCache {
  private readonly logger = new Logger('EmbeddingCache');

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (key: string) => string,
  ) {
    super();
  }

  async getMany(keys: readonly string[]): Promise<(Float32Array | undefined)[]> {
    if (keys.length === 0) return [];
    try {
      const values = await withDeadline(
        this.redis.mgetBuffer(...keys.map(this.keyOf)),
        REDIS_DEADLINE_MS,
      );
      return values.map((buffer) => (buffer ? toVector(buffer) : undefined));
    } catch (error) {
      this.logger.warn(`read failed: ${(error as Error).message}`);
      return keys.map(() => undefined);
    }
  }

  async setMany(entries: readonly (readonly [string, Float32Array])[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, vector] of entries) {
      pipeline.set(
        this.keyOf(key),
        Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
        'EX',
        TTL_SECONDS,
      );
    }
    try {
      await withDeadline(pipeline.exec(), REDIS_DEADLINE_MS);
    } catch (error) {
      this.logger.warn(`write failed: ${(error as Error).message}`);
    }
  }
}

function toVector(buffer: Buffer): Float32Array | undefined {
  if (buffer.byteLength === 0 || buffer.byteLength % 4 !== 0) return undefined;
  // Copy: the Buffer may be a view into a shared pool with an unaligned offset.
  const copy = new Uint8Array(buffer);
  return new Float32Array(copy.buffer);
}
