/**
 * A fixed log-scale latency histogram: 64 bins, three per doubling, from 0.5 ms up to about
 * 14 minutes (the last bin is open-ended). Fixed bins make aggregates mergeable by plain
 * addition (across minutes and across replicas) and keep each key's size constant, whatever
 * the traffic. A percentile read from it is within about 12% of the true value.
 */
export const HISTOGRAM_BINS = 64;
const FLOOR_MS = 0.5;
const BINS_PER_DOUBLING = 3;

/** The bin a duration falls in; NaN, negatives and sub-0.5 ms all go to bin 0. */
export function binOf(durationMs: number): number {
  if (!(durationMs >= FLOOR_MS)) return 0;
  const index = Math.floor(BINS_PER_DOUBLING * Math.log2(durationMs / FLOOR_MS)) + 1;
  return Math.min(index, HISTOGRAM_BINS - 1);
}

/** Lower bound of a bin in ms. */
export function binFloor(bin: number): number {
  return bin === 0 ? 0 : FLOOR_MS * 2 ** ((bin - 1) / BINS_PER_DOUBLING);
}

/** The value a bin stands for: its geometric middle (its lower bound for the open last bin). */
export function binValue(bin: number): number {
  if (bin === 0) return FLOOR_MS / 2;
  if (bin === HISTOGRAM_BINS - 1) return binFloor(bin);
  return FLOOR_MS * 2 ** ((bin - 0.5) / BINS_PER_DOUBLING);
}

/**
 * The q-quantile (0 < q <= 1) of the durations counted in `bins`, in ms rounded to 0.01;
 * null when nothing was counted. Nearest-rank: the bin holding the ceil(q * n)-th value.
 */
export function percentile(bins: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < bins.length; i++) total += bins[i];
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i];
    if (seen >= rank) return Math.round(binValue(i) * 100) / 100;
  }
  return Math.round(binValue(bins.length - 1) * 100) / 100;
}
