import type { NextFunction, Request, Response } from 'express';
import type { GatewayMetrics } from './gateway-metrics.js';

/** What nginx logs for a client that went away before its answer. */
const CLIENT_CLOSED = 499;
// Long-lived streams (the MCP GET stream, legacy SSE) last minutes: counted, not timed.
const STREAM = (req: Request) =>
  req.method === 'GET' && (req.path === '/mcp' || req.path === '/sse');

/**
 * Counts every HTTP request by method, route template and status, and times it: placed
 * first, so that answers given before routing (403 for a foreign Host, 401, 415) count too.
 */
export function httpMetricsMiddleware(metrics: GatewayMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    let done = false;
    const record = (status: number) => {
      if (done) return;
      done = true;
      const matched = req.route as { path?: unknown } | undefined;
      const route = matched ? `${req.baseUrl}${String(matched.path)}` : '(unmatched)';
      const ms = STREAM(req) ? undefined : performance.now() - started;
      metrics.httpRequest(req.method, route, status, ms);
    };
    res.once('finish', () => record(res.statusCode));
    res.once('close', () => record(res.writableFinished ? res.statusCode : CLIENT_CLOSED));
    next();
  };
}
