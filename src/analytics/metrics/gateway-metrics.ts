import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import {
  ANALYTICS_OPTIONS,
  DEFAULT_LIMITS,
  type AnalyticsModuleOptions,
} from '../analytics.options.js';
import { KeyCap } from '../key-cap.js';
import { OTHER_KEY } from '../usage-cells.js';
import type { CallOutcome } from '../usage-record.js';

const CALL_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];
const HTTP_METHODS = new Set(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);
const SEARCH_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus side: one Registry per app instance (never the global default, so several
 * gateways in one test process do not collide), process metrics, and the call and search
 * metrics. Label values pass through caps, so the number of series is bounded: at most
 * (metricToolSeries + metricServers + 1) x 3 outcomes for the call metrics.
 */
@Injectable()
export class GatewayMetrics implements OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly calls: Counter<'server' | 'tool' | 'outcome'>;
  private readonly callSeconds: Histogram<'server' | 'tool' | 'outcome'>;
  private readonly callErrors: Counter<'code'>;
  private readonly searches: Counter<'strategy'>;
  private readonly searchSeconds: Histogram<'strategy'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpSeconds: Histogram<'method' | 'route'>;
  private readonly toolSeries: KeyCap;
  private readonly servers: KeyCap;
  private readonly codes: KeyCap;
  private readonly strategies: KeyCap;

  constructor(@Inject(ANALYTICS_OPTIONS) options: AnalyticsModuleOptions) {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.toolSeries = new KeyCap(limits.metricToolSeries);
    this.servers = new KeyCap(limits.metricServers);
    this.codes = new KeyCap(limits.errorCodes);
    this.strategies = new KeyCap(limits.strategies);
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({
      name: 'mcp_gateway_tool_calls_total',
      help: 'Tool calls through any door, by server, tool and outcome (ok, tool_error, error)',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    });
    this.callSeconds = new Histogram({
      name: 'mcp_gateway_tool_call_duration_seconds',
      help: 'Duration of tool calls, by server, tool and outcome',
      labelNames: ['server', 'tool', 'outcome'],
      buckets: CALL_BUCKETS_S,
      registers,
    });
    this.callErrors = new Counter({
      name: 'mcp_gateway_tool_call_errors_total',
      help: 'Failed tool calls by error code (TOOL_ERROR: the tool answered isError)',
      labelNames: ['code'],
      registers,
    });
    this.searches = new Counter({
      name: 'mcp_gateway_searches_total',
      help: 'Tool searches, by the strategy that ranked them',
      labelNames: ['strategy'],
      registers,
    });
    this.searchSeconds = new Histogram({
      name: 'mcp_gateway_search_duration_seconds',
      help: 'Duration of tool searches, by strategy',
      labelNames: ['strategy'],
      buckets: SEARCH_BUCKETS_S,
      registers,
    });
    this.httpRequests = new Counter({
      name: 'mcp_gateway_http_requests_total',
      help: 'HTTP requests by method, route (its template, or (unmatched)) and status (499: the client went away)',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'mcp_gateway_http_request_duration_seconds',
      help: 'Duration of HTTP requests by method and route (long-lived streams excluded)',
      labelNames: ['method', 'route'],
      buckets: CALL_BUCKETS_S,
      registers,
    });
  }

  /**
   * One finished HTTP request. The route is the matched template, so the series stay few
   * whatever paths callers make up; methods outside the usual ones count as OTHER.
   */
  httpRequest(method: string, route: string, status: number, durationMs?: number): void {
    const m = HTTP_METHODS.has(method) ? method : 'OTHER';
    this.httpRequests.inc({ method: m, route, status: String(status) });
    if (durationMs !== undefined) this.httpSeconds.observe({ method: m, route }, durationMs / 1000);
  }

  toolCall(server: string, tool: string, outcome: CallOutcome, durationMs: number, code?: string) {
    const labels = { ...this.toolLabels(server, tool), outcome };
    this.calls.inc(labels);
    this.callSeconds.observe(labels, seconds(durationMs));
    if (code !== undefined) this.callErrors.inc({ code: this.codes.admit(code) });
  }

  search(strategy: string, tookMs: number): void {
    const labels = { strategy: this.strategies.admit(strategy) };
    this.searches.inc(labels);
    this.searchSeconds.observe(labels, seconds(tookMs));
  }

  /** Prometheus text exposition. */
  async scrape(): Promise<string> {
    // prom-client 15 writes not-a-number as 'Nan' (the event-loop lag before its first
    // sample, say); the exposition formats spell it 'NaN', and strict parsers insist.
    return (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
  }

  onApplicationShutdown(): void {
    this.registry.clear();
  }

  /** A known (server, tool) pair keeps its labels; past the cap, the tool becomes "(other)". */
  private toolLabels(server: string, tool: string): { server: string; tool: string } {
    if (this.toolSeries.admit(`${server}\n${tool}`) !== OTHER_KEY) return { server, tool };
    return { server: this.servers.admit(server), tool: OTHER_KEY };
  }
}

function seconds(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}
