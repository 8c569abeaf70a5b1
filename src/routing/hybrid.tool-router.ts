import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { Embedder } from './embeddings/embedder.js';
import type { EmbeddingCache } from './embeddings/embedding-cache.js';
import { reciprocalRankFusion } from './embeddings/rank-fusion.js';
import type { ScoredName } from './embeddings/top-k.js';
import { CatalogVectors } from './embeddings/tool-vectors.js';
import type { LexicalToolRouter } from './lexical.tool-router.js';
import { DimensionMismatchError, failureReason, withDeadline } from './model-failure.js';
import { ToolRouter, type RouteRequest, type RouteResult, type RoutedHit } from './tool-router.js';

/** Candidates each ranking contributes to the fusion: all the semantic side ever ranks. */
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
    /** `failed`: the endpoint failed, rather than the catalog not being embedded yet. */
    const lexicalOnly = (reason: string, failed: boolean): RouteResult => ({
      hits: lexicalHits.slice(0, request.limit),
      strategy: `lexical (hybrid fallback: ${reason})`,
      ...(failed ? { fallback: { failed: 'hybrid', reason, answeredWith: 'lexical' } } : {}),
    });
    try {
      const semantic = await withDeadline(this.semantic(catalog, request), this.timeoutMs);
      if ('unready' in semantic) return lexicalOnly(semantic.unready, semantic.failed);
      return { hits: fuse(lexicalHits, semantic.hits, request.limit), strategy: 'hybrid' };
    } catch (error) {
      return lexicalOnly(failureReason(error), true);
    }
  }

  /**
   * The semantic ranking, or why there is none yet. While some tools have no vector the
   * answer is lexical, not a fusion over the tools embedded so far: those would outrank
   * an unembedded tool that fits better only because the fill reached them first.
   */
  private async semantic(
    catalog: ToolCatalog,
    request: RouteRequest,
  ): Promise<{ hits: ScoredName[] } | { unready: string; failed: boolean }> {
    const vectors = this.vectorsOf(catalog);
    const progress = await vectors.prepare();
    if (progress.embedded < progress.total) {
      // The fill's latest request failed: that, not the wait, is why (it is retried anyway).
      if (progress.failure !== undefined) {
        return { unready: failureReason(progress.failure), failed: true };
      }
      return {
        unready: `tool vectors being built, ${progress.embedded} of ${progress.total}`,
        failed: false,
      };
    }
    const query = await this.embedder.embedQuery(request.query);
    if (vectors.dimension !== undefined && vectors.dimension !== query.length) {
      throw new DimensionMismatchError(`query ${query.length}, tools ${vectors.dimension}`);
    }
    const servers = request.servers;
    const accepted = servers && ((name: string) => servers.has(catalog.get(name)?.server ?? ''));
    return { hits: vectors.nearest(query, FUSION_DEPTH, accepted) };
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

function fuse(lexical: RoutedHit[], semantic: ScoredName[], limit: number): RoutedHit[] {
  const fused = reciprocalRankFusion([lexical.map((h) => h.name), semantic.map((h) => h.name)]);
  const lexicalByName = new Map(lexical.map((h) => [h.name, h]));
  const similarityByName = new Map(semantic.map((h) => [h.name, h.score]));
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
