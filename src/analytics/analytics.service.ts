import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { errorMessage } from '../common/errors/error-message.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { ANALYTICS_OPTIONS, type AnalyticsModuleOptions } from './analytics.options.js';
import { buildReport, type AnalyticsReport } from './analytics-report.js';
import { DEFAULT_SINCE, parseSince } from './since.js';
import { UsageStore } from './store/usage-store.js';
import { planWindow } from './time-buckets.js';
import { withTimeout } from './with-timeout.js';

/** A report must not hang on a Redis that does not answer (ioredis queues while offline). */
const READ_TIMEOUT_MS = 5000;
export const DEFAULT_TOP = 10;

/** The read side of usage analytics: GET /analytics. */
@Injectable()
export class AnalyticsService {
  private readonly now: () => number;

  constructor(
    private readonly store: UsageStore,
    @Inject(ANALYTICS_OPTIONS) private readonly options: AnalyticsModuleOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async report(query: { since?: string; top?: number } = {}): Promise<AnalyticsReport> {
    const now = this.now();
    const since = parseSince(query.since, now);
    const plan = planWindow(since, now);
    let snapshot;
    try {
      snapshot = await withTimeout(
        this.store.read(plan),
        READ_TIMEOUT_MS,
        () => new Error(`no answer within ${READ_TIMEOUT_MS} ms`),
      );
    } catch (error) {
      throw new GatewayError(
        ErrorCode.NOT_READY,
        `Usage analytics are unavailable (${this.store.kind} store): ${errorMessage(error)}`,
      );
    }
    return buildReport(snapshot, {
      from: plan.from,
      until: now,
      requested: query.since ?? DEFAULT_SINCE,
      resolution: plan.hours.length ? 'hour' : 'minute',
      store: this.store.kind,
      top: query.top ?? DEFAULT_TOP,
      includeQueries: this.options.storeQueries ?? false,
    });
  }
}
