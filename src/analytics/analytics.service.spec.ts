import { afterEach, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../common/errors/error-code.js';
import type { AnalyticsModuleOptions } from './analytics.options.js';
import { AnalyticsService } from './analytics.service.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { MemoryUsageStore } from './store/memory.usage-store.js';
import { UsageStore } from './store/usage-store.js';
import { UsageRecorder } from './usage-recorder.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const opened: GatewayMetrics[] = [];

function harness(
  options: Partial<AnalyticsModuleOptions> = {},
  store: UsageStore = new MemoryUsageStore(),
) {
  let clock = Date.parse('2025-06-01T12:00:30.000Z');
  const all: AnalyticsModuleOptions = { store: 'memory', now: () => clock, ...options };
  const metrics = new GatewayMetrics(all);
  opened.push(metrics);
  return {
    recorder: new UsageRecorder(store, metrics, all),
    analytics: new AnalyticsService(store, all),
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

afterEach(() => {
  for (const metrics of opened.splice(0)) metrics.onApplicationShutdown();
});

describe('AnalyticsService over the memory store', () => {
  it('lists only callable tools in top_tools; the pseudo-keys stay in tools and totals', async () => {
    const { recorder, analytics } = harness({ limits: { tools: 2 } });
    const call = (tool: string, server = 'demo') =>
      recorder.recordToolCall({ tool, server, door: 'rest', durationMs: 1, outcome: 'ok' });
    for (let i = 0; i < 5; i++) call('(unknown)', '');
    for (const tool of ['demo__a', 'demo__b', 'demo__c', 'demo__d']) call(tool);
    call('demo__a');
    const report = await analytics.report({ since: '15m', top: 10 });
    expect(report.top_tools.map((t) => t.tool)).toEqual(['demo__a']);
    expect(report.tools.map((t) => t.tool)).toEqual(['(unknown)', '(other)', 'demo__a']);
    expect(report.totals.calls).toBe(10);
  });

  it('aggregates calls per tool, server, session, door and error code', async () => {
    const { recorder, analytics, now } = harness();
    for (let i = 1; i <= 10; i++) {
      recorder.recordToolCall({
        tool: 'demo__echo',
        server: 'demo',
        door: 'rest',
        durationMs: i,
        outcome: 'ok',
      });
    }
    recorder.recordToolCall({
      tool: 'demo__echo',
      server: 'demo',
      sessionId: 'sess_a',
      door: 'mcp',
      durationMs: 5000,
      outcome: 'error',
      errorCode: 'UPSTREAM_TIMEOUT',
    });
    recorder.recordToolCall({
      tool: 'demo__time',
      server: 'demo',
      sessionId: 'sess_a',
      door: 'queue',
      durationMs: 3,
      outcome: 'tool_error',
    });

    const report = await analytics.report({ since: '15m' });
    expect(report.totals).toMatchObject({
      calls: 12,
      errors: 2,
      tool_errors: 1,
      error_rate: 0.1667,
    });
    const echo = report.tools.find((t) => t.tool === 'demo__echo')!;
    expect(echo).toMatchObject({ calls: 11, errors: 1, tool_errors: 0, error_rate: 0.0909 });
    expect(echo.p50_ms).toBeGreaterThan(4);
    expect(echo.p50_ms).toBeLessThan(8);
    expect(echo.p99_ms).toBeGreaterThan(4000);
    expect(echo.last_used).toBe(new Date(now()).toISOString());
    expect(report.top_tools.map((t) => t.tool)).toEqual(['demo__echo', 'demo__time']);
    expect(report.servers).toEqual([
      expect.objectContaining({ server: 'demo', calls: 12, errors: 2 }),
    ]);
    expect(report.sessions).toEqual([
      expect.objectContaining({ session_id: 'sess_a', calls: 2, errors: 2 }),
    ]);
    expect(report.doors.map((d) => [d.door, d.calls])).toEqual([
      ['rest', 10],
      ['mcp', 1],
      ['queue', 1],
    ]);
    expect(report.error_codes).toEqual([
      { code: 'TOOL_ERROR', count: 1 },
      { code: 'UPSTREAM_TIMEOUT', count: 1 },
    ]);
    expect(report.store).toBe('memory');
    expect(report.window).toMatchObject({ requested: '15m', resolution: 'minute' });
  });

  it('counts only what falls inside the window', async () => {
    const { recorder, analytics, advance } = harness();
    const call = (tool: string) =>
      recorder.recordToolCall({ tool, server: 's', door: 'rest', durationMs: 1, outcome: 'ok' });
    call('s__early');
    advance(20 * MINUTE);
    call('s__late');

    expect((await analytics.report({ since: '15m' })).tools.map((t) => t.tool)).toEqual([
      's__late',
    ]);
    expect((await analytics.report({ since: '1h' })).totals.calls).toBe(2);

    advance(2 * HOUR);
    expect((await analytics.report({ since: '1h' })).totals.calls).toBe(0);
    const day = await analytics.report({ since: '24h' });
    expect(day.window.resolution).toBe('hour');
    expect(day.totals.calls).toBe(2);

    advance(25 * HOUR);
    expect((await analytics.report({ since: '24h' })).totals.calls).toBe(0);
  });

  it('summarises searches by strategy, without the query text unless asked', async () => {
    const { recorder, analytics } = harness();
    recorder.recordSearch({
      door: 'rest',
      strategy: 'lexical',
      tookMs: 2,
      resultCount: 4,
      queryLength: 10,
      query: 'secret plan',
    });
    recorder.recordSearch({
      door: 'mcp',
      strategy: 'lexical (llm fell back: timeout)',
      tookMs: 4,
      resultCount: 0,
      queryLength: 20,
      query: 'secret plan',
    });
    const report = await analytics.report({ since: '5m' });
    expect(report.searches).toMatchObject({
      searches: 2,
      avg_results: 2,
      zero_result_rate: 0.5,
      avg_query_length: 15,
    });
    expect(report.searches.strategies.map((s) => s.strategy)).toEqual(['lexical']);
    expect(report.searches.doors).toEqual([
      { door: 'mcp', searches: 1, errors: 0 },
      { door: 'rest', searches: 1, errors: 0 },
    ]);
    expect(report.totals.calls).toBe(0);
    expect(JSON.stringify(report)).not.toContain('secret');
    expect(report.searches.recent_queries).toBeUndefined();
  });

  it('counts a failed search, under no strategy, with its door', async () => {
    const { recorder, analytics } = harness();
    recorder.recordSearch({
      door: 'rest',
      strategy: 'lexical',
      tookMs: 1,
      resultCount: 2,
      queryLength: 4,
    });
    recorder.recordSearch({
      door: 'queue',
      tookMs: 1,
      resultCount: 0,
      queryLength: 4,
      failed: true,
    });
    const report = await analytics.report({ since: '5m' });
    expect(report.searches).toMatchObject({ searches: 2, errors: 1 });
    expect(report.searches.strategies).toEqual([
      expect.objectContaining({ strategy: '(none)', searches: 1, errors: 1 }),
      expect.objectContaining({ strategy: 'lexical', searches: 1, errors: 0 }),
    ]);
    expect(report.searches.doors).toEqual([
      { door: 'queue', searches: 1, errors: 1 },
      { door: 'rest', searches: 1, errors: 0 },
    ]);
    // Searches are not tool calls: the call figures do not move.
    expect(report.doors).toEqual([]);
    expect(report.totals.calls).toBe(0);
  });

  it('keeps the query text with storeQueries', async () => {
    const { recorder, analytics } = harness({ storeQueries: true });
    recorder.recordSearch({
      door: 'rest',
      strategy: 'hybrid',
      tookMs: 2,
      resultCount: 1,
      queryLength: 4,
      query: 'time',
    });
    const report = await analytics.report({});
    expect(report.searches.recent_queries).toEqual([
      expect.objectContaining({ query: 'time', strategy: 'hybrid', result_count: 1, door: 'rest' }),
    ]);
  });

  it('answers 503 NOT_READY when the store fails, and never throws at a recording caller', async () => {
    class BrokenStore extends MemoryUsageStore {
      override add(): void {
        throw new Error('disk on fire');
      }
      override read(): never {
        throw new Error('disk on fire');
      }
    }
    const { recorder, analytics } = harness({}, new BrokenStore());
    expect(() =>
      recorder.recordToolCall({
        tool: 't',
        server: 's',
        door: 'rest',
        durationMs: 1,
        outcome: 'ok',
      }),
    ).not.toThrow();
    await expect(analytics.report({})).rejects.toMatchObject({ code: ErrorCode.NOT_READY });
  });
});
