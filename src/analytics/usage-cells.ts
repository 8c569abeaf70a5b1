import { binOf, HISTOGRAM_BINS } from './latency-histogram.js';

/**
 * What is aggregated, and how one aggregate (a "cell": one key of one dimension in one time
 * bucket) is laid out. Cells are fixed-size counter arrays, so they add up across buckets
 * and replicas and never grow with traffic.
 */
export const DIMENSIONS = [
  'tool',
  'server',
  'session',
  'door',
  'code',
  'strategy',
  'searchDoor',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Counter slots of a cell; the latency histogram follows them. */
export const Slot = {
  Calls: 0,
  Errors: 1,
  ToolErrors: 2,
  /** Searches only: sum of result counts, searches with no result, sum of query lengths. */
  Results: 3,
  ZeroResults: 4,
  QueryLength: 5,
} as const;
export const COUNTER_SLOTS = 6;
export const CELL_SIZE = COUNTER_SLOTS + HISTOGRAM_BINS;
/** Short names for storage keys and fields (Redis); stable, do not renumber. */
export const SLOT_FIELDS = ['c', 'e', 'te', 'rs', 'zr', 'ql'] as const;
export const DIMENSION_CODES: Record<Dimension, string> = {
  tool: 't',
  server: 's',
  session: 'x',
  door: 'd',
  code: 'c',
  strategy: 'q',
  /** Searches by door; apart from `door`, which counts tool calls. */
  searchDoor: 'sd',
};

/** The key that stands for every key past a dimension's cap. Never a valid tool or server name. */
export const OTHER_KEY = '(other)';

/**
 * What a call to a name no server offers counts under. Callers choose those names freely:
 * counted one by one, made-up names would use up the caps and push real tools into OTHER_KEY.
 */
export const UNKNOWN_TOOL_KEY = '(unknown)';

/**
 * What a search that failed before any strategy ranked (an unknown server in `servers`, an
 * unknown session) counts under, so that the search totals, summed over strategies, hold it.
 */
export const NO_STRATEGY_KEY = '(none)';

/** One event, already reduced to the keys it counts under and the increments it adds. */
export interface UsageSample {
  at: number;
  keys: Partial<Record<Dimension, string>>;
  durationMs: number;
  error: boolean;
  toolError: boolean;
  search?: { results: number; queryLength: number };
}

/** The slot increments of a sample, as [slot, amount] pairs (the histogram bin included). */
export function incrementsOf(sample: UsageSample): Array<[number, number]> {
  const out: Array<[number, number]> = [
    [Slot.Calls, 1],
    [COUNTER_SLOTS + binOf(sample.durationMs), 1],
  ];
  if (sample.error) out.push([Slot.Errors, 1]);
  if (sample.toolError) out.push([Slot.ToolErrors, 1]);
  if (sample.search) {
    out.push([Slot.Results, Math.max(0, Math.round(sample.search.results))]);
    if (sample.search.results === 0) out.push([Slot.ZeroResults, 1]);
    out.push([Slot.QueryLength, Math.max(0, Math.round(sample.search.queryLength))]);
  }
  return out;
}

/** A key's totals over a window: counters plus histogram (CELL_SIZE numbers) and last use. */
export interface KeyTotals {
  cell: number[];
  /** Epoch ms of the last record, or 0 when unknown. */
  lastUsed: number;
}

export function emptyTotals(): KeyTotals {
  return { cell: new Array<number>(CELL_SIZE).fill(0), lastUsed: 0 };
}

export type DimensionTotals = Map<string, KeyTotals>;

/** Everything a window holds: per dimension, per key. */
export type UsageTotals = Record<Dimension, DimensionTotals>;

export function emptyUsageTotals(): UsageTotals {
  return Object.fromEntries(DIMENSIONS.map((d) => [d, new Map()])) as UsageTotals;
}

export function totalsFor(totals: UsageTotals, dimension: Dimension, key: string): KeyTotals {
  const byKey = totals[dimension];
  let entry = byKey.get(key);
  if (!entry) {
    entry = emptyTotals();
    byKey.set(key, entry);
  }
  return entry;
}
