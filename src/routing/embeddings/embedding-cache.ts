/**
 * Tool embeddings by key (model + hash of the tool definition). A restart or a new session
 * with an unchanged catalog finds its vectors here instead of asking the model again.
 */
export abstract class EmbeddingCache {
  /** One entry per key, undefined where nothing is cached. Never throws. */
  abstract getMany(keys: readonly string[]): Promise<(Float32Array | undefined)[]>;
  /** Best effort: a failed write only costs a later re-embedding. */
  abstract setMany(entries: readonly (readonly [string, Float32Array])[]): Promise<void>;
}

/** Process-local cache, bounded so a churning catalog cannot grow it without end. */
export class MemoryEmbeddingCache extends EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  constructor(private readonly maxEntries = 50_000) {
    super();
  }

  getMany(keys: readonly string[]): Promise<(Float32Array | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.entries.get(key)));
  }

  setMany(entries: readonly (readonly [string, Float32Array])[]): Promise<void> {
    for (const [key, vector] of entries) {
      this.entries.delete(key);
      this.entries.set(key, vector);
    }
    // Map iteration is insertion order: the first keys are the oldest writes.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
    return Promise.resolve();
  }
}
