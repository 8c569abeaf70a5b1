import type { CatalogTool, ToolCatalog } from '../../tools/tool-catalog.js';
import { BATCH_SIZE, type Embedder } from './embedder.js';
import type { EmbeddingCache } from './embedding-cache.js';
import type { ScoredName } from './top-k.js';
import { embeddingKey, toolText } from './tool-text.js';
import { VectorMatrix } from './vector-matrix.js';

/** A catalog that keeps changing under a fill gets this many passes; the next query starts another. */
const MAX_ROUNDS = 3;

/** How far a catalog's vectors are; `failure` is the error of the fill's latest request, if it failed. */
export interface VectorsProgress {
  embedded: number;
  total: number;
  failure?: unknown;
}

interface Missing {
  tool: CatalogTool;
  key: string;
  text: string;
}

/**
 * Embeddings of one catalog's tools. Each tool is tracked by the key of what is embedded
 * (model + hash of its text), so a catalog change re-embeds only the tools whose text
 * changed. Missing vectors are filled in the background, one fill at a time, each request's
 * vectors kept (and cached) as they arrive: a failed request loses only itself, and the next
 * fill starts with whatever is still missing.
 */
export class CatalogVectors {
  /** Embedding key of every tool now in the catalog. */
  private readonly keys = new Map<string, string>();
  /** Tools of the catalog with no vector of the model's current dimension yet. */
  private readonly missing = new Map<string, CatalogTool>();
  private matrix: VectorMatrix | undefined;
  private filling: Promise<void> | undefined;
  /** The running fill's cache lookup: short, so a query waits for it. */
  private lookup: Promise<unknown> | undefined;
  private failure: unknown;

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly embedder: Embedder,
    private readonly cache: EmbeddingCache,
  ) {
    for (const tool of catalog.all()) this.track(tool);
    catalog.subscribe((change) => {
      // A redefined or renamed tool is both removed and added: its row stays if its text did.
      const back = new Set(change.added.map((tool) => tool.name));
      for (const name of change.removed) if (!back.has(name)) this.forget(name);
      for (const tool of change.added) this.track(tool);
    });
  }

  /** Length of the vectors held, undefined while none are. */
  get dimension(): number | undefined {
    return this.matrix?.size ? this.matrix.dimension : undefined;
  }

  /**
   * Starts a fill if vectors are missing and none runs, and resolves once the vectors are
   * as complete as a query should wait for: after the cache lookup, and after the model
   * too when one request covers what is left (a round trip, as the query's own embedding
   * costs). A larger fill goes on in the background.
   */
  async prepare(): Promise<VectorsProgress> {
    this.reconcileDimension();
    if (this.missing.size > 0) this.filling ??= this.fill();
    await this.lookup;
    if (this.missing.size > 0 && this.missing.size <= BATCH_SIZE) await this.filling;
    return {
      embedded: this.keys.size - this.missing.size,
      total: this.keys.size,
      failure: this.failure,
    };
  }

  /** The `k` tools nearest to `query` among those `accepted`; call when nothing is missing. */
  nearest(query: Float32Array, k: number, accepted?: (name: string) => boolean): ScoredName[] {
    return this.matrix?.nearest(query, k, accepted) ?? [];
  }

  private track(tool: CatalogTool): void {
    const key = embeddingKey(this.embedder.model, toolText(tool));
    this.keys.set(tool.name, key);
    if (this.matrix?.keyOf(tool.name) === key) return;
    this.matrix?.delete(tool.name);
    this.missing.set(tool.name, tool);
  }

  private forget(name: string): void {
    this.keys.delete(name);
    this.missing.delete(name);
    this.matrix?.delete(name);
  }

  /** The model's vectors now have another length: every vector held is stale. */
  private reconcileDimension(): void {
    const dimension = this.embedder.dimension;
    if (dimension !== undefined && this.matrix && this.matrix.dimension !== dimension) {
      this.matrix = undefined;
      for (const tool of this.catalog.all()) this.missing.set(tool.name, tool);
    }
  }

  /** Never rejects: a failure is kept for the progress report and the next fill retries. */
  private async fill(): Promise<void> {
    try {
      for (let round = 0; round < MAX_ROUNDS && this.missing.size > 0; round++) {
        const lookup = this.fromCache([...this.missing.values()]);
        this.lookup = lookup;
        const toEmbed = await lookup.finally(() => (this.lookup = undefined));
        for (let i = 0; i < toEmbed.length; i += BATCH_SIZE) {
          await this.embed(toEmbed.slice(i, i + BATCH_SIZE));
        }
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.filling = undefined;
    }
  }

  /** Takes what the cache holds in the model's dimension; returns the rest, to embed. */
  private async fromCache(tools: CatalogTool[]): Promise<Missing[]> {
    const wanted = tools.map((tool) => ({
      tool,
      key: this.keys.get(tool.name)!,
      text: toolText(tool),
    }));
    const cached = await this.cache.getMany(wanted.map((w) => w.key));
    const toEmbed: Missing[] = [];
    wanted.forEach((w, i) => {
      const vector = cached[i];
      // Before the model has said its dimension, the first vector held sets it.
      const expected = this.embedder.dimension ?? this.matrix?.dimension ?? vector?.length;
      // Another length: the model changed under its name. Re-embedding overwrites the entry.
      if (vector && vector.length === expected) this.store(w, vector);
      else toEmbed.push(w);
    });
    return toEmbed;
  }

  private async embed(batch: Missing[]): Promise<void> {
    // Tools that changed or left while earlier requests ran are not worth a vector.
    const current = batch.filter((m) => this.keys.get(m.tool.name) === m.key);
    if (current.length === 0) return;
    const vectors = await this.embedder.embedBatch(current.map((m) => m.text));
    this.failure = undefined;
    current.forEach((m, i) => this.store(m, vectors[i]));
    await this.cache.setMany(current.map((m, i) => [m.key, vectors[i]] as const));
  }

  private store({ tool, key }: Missing, vector: Float32Array): void {
    // The tool may have changed while its vector was on the way: keep only a current one.
    if (this.keys.get(tool.name) !== key) return;
    if (this.matrix?.dimension !== vector.length) {
      // The first vector, or the model's answers changed length: start over in the new one.
      this.matrix = new VectorMatrix(vector.length);
      for (const other of this.catalog.all()) this.missing.set(other.name, other);
    }
    this.matrix.set(tool.name, key, vector);
    this.missing.delete(tool.name);
  }
}
