import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import { errorMessage } from '../common/errors/error-message.js';
import {
  ANALYTICS_OPTIONS,
  DEFAULT_LIMITS,
  type AnalyticsModuleOptions,
} from './analytics.options.js';
import { KeyCap } from './key-cap.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { UsageStore } from './store/usage-store.js';
import { HOUR_MS, minuteOf, RETENTION_MS } from './time-buckets.js';
import { NO_STRATEGY_KEY, type Dimension, type UsageSample } from './usage-cells.js';
import { strategyName, type SearchRecord, type ToolCallRecord } from './usage-record.js';
import { withTimeout } from './with-timeout.js';

/** Keys longer than this are cut: a key is a name, not a payload. */
const MAX_KEY_LENGTH = 128;
const MAX_QUERY_LENGTH = 500;
const SHUTDOWN_FLUSH_MS = 2000;

/**
 * Where the doors report every tool call and search. Each record costs O(1) and returns
 * synchronously: a few map lookups and counter increments; remote writes happen later, in
 * batches (RedisUsageStore). A failure to record is logged, never thrown at the caller.
 */
@Injectable()
export class UsageRecorder implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Analytics');
  private readonly caps: Record<Dimension, KeyCap>;
  private readonly storeQueries: boolean;
  private readonly now: () => number;
  private sweptMinute = 0;
  private lastError = '';
  private shutdownFlushFailed = false;

  constructor(
    private readonly store: UsageStore,
    private readonly metrics: GatewayMetrics,
    @Inject(ANALYTICS_OPTIONS) options: AnalyticsModuleOptions,
  ) {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    // A key is forgotten once its aggregates have aged out of the longest window.
    const idle = RETENTION_MS + HOUR_MS;
    this.caps = {
      tool: new KeyCap(limits.tools, idle),
      server: new KeyCap(limits.servers, idle),
      session: new KeyCap(limits.sessions, idle),
      door: new KeyCap(8, idle),
      searchDoor: new KeyCap(8, idle),
      code: new KeyCap(limits.errorCodes, idle),
      strategy: new KeyCap(limits.strategies, idle),
    };
    this.storeQueries = options.storeQueries ?? false;
    this.now = options.now ?? Date.now;
  }

  recordToolCall(record: ToolCallRecord): void {
    try {
      const at = this.tick();
      const failed = record.outcome !== 'ok';
      const code = failed
        ? (record.errorCode ?? (record.outcome === 'tool_error' ? 'TOOL_ERROR' : 'UNKNOWN'))
        : undefined;
      const tool = clip(record.tool || 'unknown');
      const server = clip(record.server || 'unknown');
      const keys: UsageSample['keys'] = {
        tool: this.caps.tool.admit(tool, at),
        server: this.caps.server.admit(server, at),
        door: this.admit('door', record.door, at),
      };
      if (record.sessionId) keys.session = this.admit('session', record.sessionId, at);
      if (code !== undefined) keys.code = this.admit('code', code, at);
      this.store.add({
        at,
        keys,
        durationMs: record.durationMs,
        error: failed,
        toolError: record.outcome === 'tool_error',
      });
      this.metrics.toolCall(server, tool, record.outcome, record.durationMs, code);
    } catch (error) {
      this.failed(error);
    }
  }

  recordSearch(record: SearchRecord): void {
    try {
      const at = this.tick();
      const ranked = record.strategy === undefined ? undefined : strategyName(record.strategy);
      const strategy = this.admit('strategy', ranked ?? NO_STRATEGY_KEY, at);
      this.store.add({
        at,
        keys: { strategy, searchDoor: this.admit('searchDoor', record.door, at) },
        durationMs: record.tookMs,
        error: record.failed ?? false,
        toolError: false,
        search: { results: record.resultCount, queryLength: record.queryLength },
      });
      // The metric counts searches by the strategy that ranked them; /analytics has the rest.
      if (ranked !== undefined) this.metrics.search(strategy, record.tookMs);
      if (this.storeQueries && record.query !== undefined) {
        this.store.addQuery({
          at,
          query: record.query.slice(0, MAX_QUERY_LENGTH),
          strategy,
          result_count: record.resultCount,
          door: record.door,
        });
      }
    } catch (error) {
      this.failed(error);
    }
  }

  /** Batched records reach the store while every connection is surely open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flushAtShutdown();
  }

  /**
   * Again, once the servers have closed: the calls the shutdown grace cut off end only then,
   * and their records come after the first flush. Nest calls this after the hooks of the
   * servers' modules (nearer the app's root) and before RedisModule's, which closes the
   * connection (a global module registered before this one: Nest ends those in reverse).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.flushAtShutdown();
    this.store.close();
  }

  private async flushAtShutdown(): Promise<void> {
    // A store that failed the first flush (Redis down or hung) most likely fails the second
    // too, and a hung one holds it as long again: the shutdown would wait twice for writes
    // that cannot land. What is lost is only the calls that ended during the shutdown.
    if (this.shutdownFlushFailed) {
      this.logger.warn(
        'usage of the calls that ended during the shutdown not flushed: the first flush at shutdown failed',
      );
      return;
    }
    try {
      const written = await withTimeout(
        this.store.flush(),
        SHUTDOWN_FLUSH_MS,
        () => new Error(`timed out after ${SHUTDOWN_FLUSH_MS} ms`),
      );
      if (!written) this.shutdownFlushFailed = true;
    } catch (error) {
      this.shutdownFlushFailed = true;
      this.logger.warn(`usage aggregates not flushed at shutdown: ${errorMessage(error)}`);
    }
  }

  /** The record's time; once a minute, idle keys are swept out of the caps (O(cap)). */
  private tick(): number {
    const at = this.now();
    const minute = minuteOf(at);
    if (minute !== this.sweptMinute) {
      this.sweptMinute = minute;
      for (const cap of Object.values(this.caps)) cap.sweep(at);
    }
    return at;
  }

  private admit(dimension: Dimension, key: string, at: number): string {
    return this.caps[dimension].admit(clip(key), at);
  }

  private failed(error: unknown): void {
    const message = errorMessage(error);
    if (message !== this.lastError) this.logger.warn(`could not record usage: ${message}`);
    this.lastError = message;
  }
}

function clip(key: string): string {
  return key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key;
}
