import type { ToolCatalog } from '../tools/tool-catalog.js';
import { dot, type Embedder } from './embeddings/embedder.js';
import type { EmbeddingCache } from './embeddings/embedding-cache.js';
import { reciprocalRankFusion } from './embeddings/rank-fusion.js';
import { CatalogVectors } from './embeddings/tool-vectors.js';
import type { LexicalToolRouter } from './lexical.tool-router.js';
import { failureReason, withDeadline } from './model-failure.js';
import { ToolRouter, type RouteRequest, type RouteResult, type RoutedHit } from './tool-router.js';

/** Candidates each ranking contributes to the fusion. */
const FUSION_DEPTH = 50;

/**
 * Lexical ranking fused with embedding similarity. The lexical side catches exact names and
 * rare identifiers, the embedding side paraphrases and other languages. Any failure of the
 * embeddings endpoint answers with the lexical ranking and says so in `strategy`.
 */
export class HybridToolRouter extends ToolRouter {
  private readonly vectors = new WeakMap<ToolCatalog, CatalogVectors>();

  constructor(
    private readonly lexical: LexicalToolRouter,
    private readonly embedder: Embedder,
    private readonly cache: EmbeddingCache,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async route(catalog: ToolCatalog, request: RouteRequest): Promise<RouteResult> {
    const lexicalHits = this.lexical.rank(catalog, { ...request, limit: FUSION_DEPTH });
    try {
      const [toolVectors, queryVector] = await withDeadline(
        Promise.all([this.vectorsOf(catalog).ready(), this.embedder.embedQuery(request.query)]),
        this.timeoutMs,
      );
      const semantic = nearest(catalog, toolVectors, queryVector, request.servers);
      return { hits: fuse(lexicalHits, semantic, request.limit), strategy: 'hybrid' };
    } catch (error) {
      return {
        hits: lexicalHits.slice(0, request.limit),
        strategy: `lexical (hybrid fallback: ${failureReason(error)})`,
      };
    }
  }

  private vectorsOf(catalog: ToolCatalog): CatalogVectors {
    let vectors = this.vectors.get(catalog);
    if (!vectors) {
      vectors = new CatalogVectors(catalog, this.embedder, this.cache);
      this.vectors.set(catalog, vectors);
    }
    return vectors;
  }
}

interface SemanticHit {
  name: string;
  similarity: number;
}

function nearest(
  catalog: ToolCatalog,
  vectors: ReadonlyMap<string, Float32Array>,
  query: Float32Array,
  servers: ReadonlySet<string> | undefined,
): SemanticHit[] {
  const hits: SemanticHit[] = [];
  for (const [name, vector] of vectors) {
    const tool = catalog.get(name);
    if (!tool || (servers && !servers.has(tool.server))) continue;
    hits.push({ name, similarity: dot(vector, query) });
  }
  return hits
    .sort((a, b) => b.similarity - a.similarity || (a.name < b.name ? -1 : 1))
    .slice(0, FUSION_DEPTH);
}

function fuse(lexical: RoutedHit[], semantic: SemanticHit[], limit: number): RoutedHit[] {
  const fused = reciprocalRankFusion([lexical.map((h) => h.name), semantic.map((h) => h.name)]);
  const lexicalByName = new Map(lexical.map((h) => [h.name, h]));
  const similarityByName = new Map(semantic.map((h) => [h.name, h.similarity]));
  return [...fused.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([name, score]) => {
      const lexicalReason = lexicalByName.get(name)?.reasoning;
      const similarity = similarityByName.get(name);
      const semanticReason =
        similarity === undefined ? undefined : `semantic similarity ${similarity.toFixed(2)}`;
      return {
        name,
        score: Math.round(score * 1e6) / 1e6,
        reasoning: [lexicalReason, semanticReason].filter(Boolean).join('; '),
      };
    });
}
