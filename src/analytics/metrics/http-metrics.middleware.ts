import type { NextFunction, Request, Response } from 'express';
import { isLongLivedStream, onRequestDone } from '../../common/http/request-done.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * Counts every HTTP request by method, route template and status, and times it: placed
 * first, so that answers given before routing (403 for a foreign Host, 401, 415) count too.
 * Long-lived streams are counted, not timed.
 */
export function httpMetricsMiddleware(metrics: GatewayMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    onRequestDone(res, (status) => {
      const matched = req.route as { path?: unknown } | undefined;
      const route = matched ? `${req.baseUrl}${String(matched.path)}` : '(unmatched)';
      const ms = isLongLivedStream(req) ? undefined : performance.now() - started;
      metrics.httpRequest(req.method, route, status, ms);
    });
    next();
  };
}
