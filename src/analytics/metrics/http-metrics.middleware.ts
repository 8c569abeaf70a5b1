import type { NextFunction, Request, Response } from 'express';
import { isLongLivedStream, onRequestDone } from '../../common/http/request-done.js';
import { routeTemplateOf } from '../../common/http/unmatched-route.js';
import type { GatewayMetrics } from './gateway-metrics.js';

const UNMATCHED = '(unmatched)';

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
      // A request refused before routing (415, 413, bad JSON, 401) is labelled with the route
      // it was for, not mixed with scans of unknown paths; labels stay templates, never paths.
      const route = matched
        ? `${req.baseUrl}${String(matched.path)}`
        : (routeTemplateOf(req) ?? UNMATCHED);
      const ms = isLongLivedStream(req) ? undefined : performance.now() - started;
      metrics.httpRequest(req.method, route, status, ms);
    });
    next();
  };
}
