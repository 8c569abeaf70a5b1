/**
 * Retrieval metrics of the tool-search benchmark, scored as its README says: each relevant
 * key counts once, at its best rank (several servers may hold one tool name), over the top 10.
 */
export const TOP_K = 10;

export interface RetrievalMetrics {
  hit1: number;
  recall5: number;
  recall10: number;
  mrr10: number;
  ndcg10: number;
  /** Share of queries whose relevant keys are all in the top 10. */
  all10: number;
}

const METRIC_KEYS = ['hit1', 'recall5', 'recall10', 'mrr10', 'ndcg10', 'all10'] as const;

/** Metrics of one ranked list of keys (best first) against the relevant keys, each 0..1. */
export function scoreQuery(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
): RetrievalMetrics {
  const seen = new Set<string>();
  let found5 = 0;
  let dcg = 0;
  let firstRank = 0;
  ranked.slice(0, TOP_K).forEach((key, rank) => {
    if (!relevant.has(key) || seen.has(key)) return;
    seen.add(key);
    if (rank < 5) found5++;
    if (firstRank === 0) firstRank = rank + 1;
    dcg += 1 / Math.log2(rank + 2);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(relevant.size, TOP_K); i++) idcg += 1 / Math.log2(i + 2);
  const size = Math.max(relevant.size, 1);
  return {
    hit1: firstRank === 1 ? 1 : 0,
    recall5: found5 / size,
    recall10: seen.size / size,
    mrr10: firstRank > 0 ? 1 / firstRank : 0,
    ndcg10: idcg > 0 ? dcg / idcg : 0,
    all10: seen.size === relevant.size ? 1 : 0,
  };
}

/** Sums per-query metrics; `mean()` gives percentages. */
export class MetricAccumulator {
  private readonly sums: RetrievalMetrics = {
    hit1: 0,
    recall5: 0,
    recall10: 0,
    mrr10: 0,
    ndcg10: 0,
    all10: 0,
  };
  private count = 0;

  add(metrics: RetrievalMetrics): void {
    for (const key of METRIC_KEYS) this.sums[key] += metrics[key];
    this.count++;
  }

  get queries(): number {
    return this.count;
  }

  /** Means in percent (0..100). */
  mean(): RetrievalMetrics {
    const n = Math.max(this.count, 1);
    const out = { ...this.sums };
    for (const key of METRIC_KEYS) out[key] = (100 * this.sums[key]) / n;
    return out;
  }
}
