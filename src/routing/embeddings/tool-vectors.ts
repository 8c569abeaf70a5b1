import type { CatalogTool, ToolCatalog } from '../../tools/tool-catalog.js';
import type { Embedder } from './embedder.js';
import type { EmbeddingCache } from './embedding-cache.js';
import { embeddingKey, toolText } from './tool-text.js';

/** A catalog that keeps changing under a fill gets this many tries per query. */
const MAX_FILLS = 3;

/**
 * Embeddings of one catalog's tools, by namespaced name. Catalog changes drop the entries
 * of changed tools; missing vectors are fetched from the cache or the model on the next
 * query, all missing tools at once and at most one fill per catalog at a time.
 */
export class CatalogVectors {
  private readonly vectors = new Map<string, Float32Array>();
  private filling: Promise<void> | undefined;

  constructor(
    private readonly catalog: ToolCatalog,
    private readonly embedder: Embedder,
    private readonly cache: EmbeddingCache,
  ) {
    catalog.subscribe((change) => {
      for (const name of change.removed) this.vectors.delete(name);
      for (const tool of change.added) this.vectors.delete(tool.name);
    });
  }

  /** Vectors of every tool now in the catalog, filling any that are missing first. */
  async ready(): Promise<ReadonlyMap<string, Float32Array>> {
    for (let attempt = 0; attempt < MAX_FILLS && this.missing().length > 0; attempt++) {
      // Joining a fill in progress rather than starting another: it covers the same tools.
      this.filling ??= this.fill(this.missing()).finally(() => {
        this.filling = undefined;
      });
      await this.filling;
    }
    return this.vectors;
  }

  private missing(): CatalogTool[] {
    return this.catalog.all().filter((tool) => !this.vectors.has(tool.name));
  }

  private async fill(tools: CatalogTool[]): Promise<void> {
    const texts = tools.map(toolText);
    const keys = texts.map((text) => embeddingKey(this.embedder.model, text));
    const cached = await this.cache.getMany(keys);
    const toEmbed: number[] = [];
    cached.forEach((vector, i) => (vector ? this.store(tools[i], vector) : toEmbed.push(i)));
    if (toEmbed.length === 0) return;
    const vectors = await this.embedder.embedMany(toEmbed.map((i) => texts[i]));
    toEmbed.forEach((i, j) => this.store(tools[i], vectors[j]));
    await this.cache.setMany(toEmbed.map((i, j) => [keys[i], vectors[j]] as const));
  }

  private store(tool: CatalogTool, vector: Float32Array): void {
    // The tool may have changed while its vector was on the way: keep only a current one.
    const current = this.catalog.get(tool.name);
    if (current && current.definition === tool.definition) this.vectors.set(tool.name, vector);
  }
}
