/**
 * Reciprocal rank fusion (Cormack et al., 2009): each list adds 1/(k + rank) per item.
 * It needs no score calibration between a BM25 score and a cosine, which is why it is the
 * usual way to merge lexical and embedding rankings; k = 60 is the paper's constant.
 */
export const RRF_K = 60;

export function reciprocalRankFusion(
  lists: readonly (readonly string[])[],
  weights: readonly number[] = lists.map(() => 1),
): Map<string, number> {
  const fused = new Map<string, number>();
  lists.forEach((list, l) => {
    list.forEach((name, rank) => {
      fused.set(name, (fused.get(name) ?? 0) + weights[l] / (RRF_K + rank + 1));
    });
  });
  return fused;
}
