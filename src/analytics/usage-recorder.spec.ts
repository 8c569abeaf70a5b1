import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startOwnRedis, type OwnRedis } from '../../test/helpers/queue-redis-server.js';
import { DEFAULT_LIMITS, type AnalyticsModuleOptions } from './analytics.options.js';
import { AnalyticsService } from './analytics.service.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { MemoryUsageStore } from './store/memory.usage-store.js';
import { RedisUsageStore } from './store/redis.usage-store.js';
import { HOURS_KEPT, MINUTES_KEPT } from './time-buckets.js';
import { DIMENSIONS, OTHER_KEY } from './usage-cells.js';
import { UsageRecorder } from './usage-recorder.js';

describe('UsageRecorder memory bound', () => {
  it('holds 1e5 calls across 1e4 tools and 5e3 sessions within the key caps', async () => {
    let clock = Date.parse('2025-06-01T00:00:00.000Z');
    const options: AnalyticsModuleOptions = { store: 'memory', now: () => clock };
    const store = new MemoryUsageStore();
    const metrics = new GatewayMetrics(options);
    const recorder = new UsageRecorder(store, metrics, options);
    const analytics = new AnalyticsService(store, options);
    try {
      for (let i = 0; i < 100_000; i++) {
        recorder.recordToolCall({
          tool: `srv${i % 300}__tool${i % 10_000}`,
          server: `srv${i % 300}`,
          sessionId: `sess_${i % 5000}`,
          door: 'rest',
          durationMs: (i % 97) + 1,
          outcome: i % 10 === 0 ? 'error' : 'ok',
          errorCode: `CODE_${i % 100}`,
        });
        clock += 600; // 1e5 calls over ~16.7 hours: every minute and hour bucket fills.
      }

      const report = await analytics.report({ since: '24h' });
      expect(report.totals.calls).toBe(100_000);
      expect(report.tools.length).toBe(DEFAULT_LIMITS.tools + 1);
      expect(report.servers.length).toBe(DEFAULT_LIMITS.servers + 1);
      expect(report.sessions.length).toBe(DEFAULT_LIMITS.sessions + 1);
      expect(report.tools.map((t) => t.tool)).toContain(OTHER_KEY);
      // The figures still add up: what did not get its own key is in "(other)".
      expect(report.tools.reduce((sum, t) => sum + t.calls, 0)).toBe(100_000);
      expect(report.totals.errors).toBe(10_000);

      const keysPerBucket =
        DEFAULT_LIMITS.tools +
        DEFAULT_LIMITS.servers +
        DEFAULT_LIMITS.sessions +
        8 +
        DEFAULT_LIMITS.errorCodes +
        DEFAULT_LIMITS.strategies +
        DIMENSIONS.length;
      expect(store.bucketCount()).toBeLessThanOrEqual(MINUTES_KEPT + HOURS_KEPT);
      expect(store.cellCount()).toBeLessThanOrEqual((MINUTES_KEPT + HOURS_KEPT) * keysPerBucket);

      // Metric label sets are capped too.
      const text = await metrics.scrape();
      const series = text.split('\n').filter((l) => l.startsWith('mcp_gateway_tool_calls_total{'));
      expect(series.length).toBeLessThanOrEqual(
        (DEFAULT_LIMITS.metricToolSeries + DEFAULT_LIMITS.metricServers + 1) * 3,
      );
      expect(text).toContain(`tool="${OTHER_KEY}"`);
    } finally {
      metrics.onApplicationShutdown();
    }
  });

  it('frees the keys of tools idle for longer than the retention', async () => {
    let clock = Date.parse('2025-06-01T00:00:00.000Z');
    const options: AnalyticsModuleOptions = {
      store: 'memory',
      now: () => clock,
      limits: { tools: 2 },
    };
    const store = new MemoryUsageStore();
    const metrics = new GatewayMetrics(options);
    const recorder = new UsageRecorder(store, metrics, options);
    const analytics = new AnalyticsService(store, options);
    const call = (tool: string) =>
      recorder.recordToolCall({ tool, server: 's', door: 'rest', durationMs: 1, outcome: 'ok' });
    try {
      call('s__a');
      call('s__b');
      call('s__c');
      expect((await analytics.report({ since: '5m' })).tools.map((t) => t.tool)).toEqual([
        '(other)',
        's__a',
        's__b',
      ]);
      clock += 26 * 3_600_000;
      call('s__c');
      expect((await analytics.report({ since: '5m' })).tools.map((t) => t.tool)).toEqual(['s__c']);
    } finally {
      metrics.onApplicationShutdown();
    }
  });
});

describe('UsageRecorder at shutdown', () => {
  let own: OwnRedis;
  let connection: Redis;

  beforeAll(async () => {
    own = await startOwnRedis();
    connection = new Redis(own.url, {
      maxRetriesPerRequest: null,
      commandTimeout: 300,
      autoResendUnfulfilledCommands: false,
    });
    connection.on('error', () => undefined);
    await connection.ping();
  });

  afterAll(async () => {
    connection.disconnect();
    await own.destroy();
  });

  /** A recorder over Redis, and the flushes its shutdown hooks asked the store for. */
  const recorderOnRedis = () => {
    const options: AnalyticsModuleOptions = { store: 'redis' };
    const store = new RedisUsageStore(connection, (...parts) => parts.join(':'), {
      flushEveryMs: 60_000,
    });
    const flushes: boolean[] = [];
    const flush = store.flush.bind(store);
    store.flush = async () => {
      const written = await flush();
      flushes.push(written);
      return written;
    };
    const metrics = new GatewayMetrics(options);
    const recorder = new UsageRecorder(store, metrics, options);
    const call = (tool: string) =>
      recorder.recordToolCall({ tool, server: 's', door: 'rest', durationMs: 1, outcome: 'ok' });
    const shutDown = async () => {
      await recorder.beforeApplicationShutdown();
      call('s__cut_off'); // a call the grace cut off ends between the two hooks
      await recorder.onApplicationShutdown();
      metrics.onApplicationShutdown();
    };
    return { call, shutDown, flushes };
  };

  it('flushes twice, so the calls that end during the shutdown are written too', async () => {
    const { call, shutDown, flushes } = recorderOnRedis();
    call('s__before');
    await shutDown();
    expect(flushes).toEqual([true, true]);
  });

  it('does not wait a second time for a Redis that failed the first flush', async () => {
    const { call, shutDown, flushes } = recorderOnRedis();
    call('s__before');
    own.freeze();
    try {
      await shutDown();
    } finally {
      own.thaw();
    }
    expect(flushes).toEqual([false]);
  });
});
