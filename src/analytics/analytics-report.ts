import { percentile } from './latency-histogram.js';
import type { RecentQuery, UsageSnapshot } from './store/usage-store.js';
import {
  COUNTER_SLOTS,
  emptyTotals,
  OTHER_KEY,
  Slot,
  UNKNOWN_TOOL_KEY,
  type DimensionTotals,
  type KeyTotals,
} from './usage-cells.js';

export interface CallStats {
  calls: number;
  /** Calls that failed, including tool_errors. */
  errors: number;
  /** Calls whose tool answered `isError: true`. */
  tool_errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  last_used: string | null;
}

export interface SearchStats {
  searches: number;
  /** Searches answered with an error (an unknown server or session, say). */
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  avg_results: number;
  zero_result_rate: number;
  avg_query_length: number;
  last_used: string | null;
}

export interface AnalyticsReport {
  window: { since: string; until: string; requested: string; resolution: 'minute' | 'hour' };
  store: 'memory' | 'redis';
  totals: CallStats;
  top_tools: Array<{ tool: string; calls: number; error_rate: number }>;
  tools: Array<{ tool: string } & CallStats>;
  servers: Array<{ server: string } & CallStats>;
  sessions: Array<{ session_id: string } & CallStats>;
  doors: Array<{ door: string; calls: number; errors: number; error_rate: number }>;
  error_codes: Array<{ code: string; count: number }>;
  searches: SearchStats & {
    strategies: Array<{ strategy: string } & SearchStats>;
    doors: Array<{ door: string; searches: number; errors: number }>;
    recent_queries?: Array<Omit<RecentQuery, 'at'> & { at: string }>;
  };
}

export interface ReportContext {
  from: number;
  until: number;
  requested: string;
  resolution: 'minute' | 'hour';
  store: 'memory' | 'redis';
  top: number;
  includeQueries: boolean;
}

/** Turns summed aggregates into the GET /analytics answer. Pure, so it is tested alone. */
export function buildReport(snapshot: UsageSnapshot, context: ReportContext): AnalyticsReport {
  const t = snapshot.totals;
  const tools = ranked(t.tool).map(([tool, k]) => ({ tool, ...callStats(k) }));
  const strategies = ranked(t.strategy).map(([strategy, k]) => ({ strategy, ...searchStats(k) }));
  return {
    window: {
      since: new Date(context.from).toISOString(),
      until: new Date(context.until).toISOString(),
      requested: context.requested,
      resolution: context.resolution,
    },
    store: context.store,
    totals: callStats(sum(t.tool)),
    // Tools only: "(unknown)" and "(other)" stand for many names and none can be called;
    // they stay in `tools` and the totals.
    top_tools: tools
      .filter(({ tool }) => tool !== UNKNOWN_TOOL_KEY && tool !== OTHER_KEY)
      .slice(0, context.top)
      .map(({ tool, calls, error_rate }) => ({ tool, calls, error_rate })),
    tools,
    servers: ranked(t.server).map(([server, k]) => ({ server, ...callStats(k) })),
    sessions: ranked(t.session).map(([session_id, k]) => ({ session_id, ...callStats(k) })),
    doors: ranked(t.door).map(([door, k]) => {
      const { calls, errors, error_rate } = callStats(k);
      return { door, calls, errors, error_rate };
    }),
    error_codes: ranked(t.code).map(([code, k]) => ({ code, count: k.cell[Slot.Calls] })),
    searches: {
      ...searchStats(sum(t.strategy)),
      strategies,
      doors: ranked(t.searchDoor).map(([door, k]) => {
        const { searches, errors } = searchStats(k);
        return { door, searches, errors };
      }),
      ...(context.includeQueries
        ? { recent_queries: snapshot.queries.map((q) => ({ ...q, at: iso(q.at) ?? '' })) }
        : {}),
    },
  };
}

/** Busiest first; ties by name, so answers are stable. */
function ranked(byKey: DimensionTotals): Array<[string, KeyTotals]> {
  return [...byKey]
    .filter(([, k]) => k.cell[Slot.Calls] > 0)
    .sort(([a, x], [b, y]) => y.cell[Slot.Calls] - x.cell[Slot.Calls] || a.localeCompare(b));
}

function sum(byKey: DimensionTotals): KeyTotals {
  const total = emptyTotals();
  for (const k of byKey.values()) {
    for (let i = 0; i < total.cell.length; i++) total.cell[i] += k.cell[i];
    total.lastUsed = Math.max(total.lastUsed, k.lastUsed);
  }
  return total;
}

function callStats(k: KeyTotals): CallStats {
  const calls = k.cell[Slot.Calls];
  const errors = k.cell[Slot.Errors];
  return {
    calls,
    errors,
    tool_errors: k.cell[Slot.ToolErrors],
    error_rate: ratio(errors, calls),
    ...latency(k),
    last_used: iso(k.lastUsed),
  };
}

function searchStats(k: KeyTotals): SearchStats {
  const searches = k.cell[Slot.Calls];
  return {
    searches,
    errors: k.cell[Slot.Errors],
    ...latency(k),
    avg_results: ratio(k.cell[Slot.Results], searches, 2),
    zero_result_rate: ratio(k.cell[Slot.ZeroResults], searches),
    avg_query_length: ratio(k.cell[Slot.QueryLength], searches, 1),
    last_used: iso(k.lastUsed),
  };
}

function latency(k: KeyTotals) {
  const bins = k.cell.slice(COUNTER_SLOTS);
  return {
    p50_ms: percentile(bins, 0.5),
    p95_ms: percentile(bins, 0.95),
    p99_ms: percentile(bins, 0.99),
  };
}

function ratio(part: number, whole: number, digits = 4): number {
  if (whole === 0) return 0;
  const scale = 10 ** digits;
  return Math.round((part / whole) * scale) / scale;
}

function iso(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}
