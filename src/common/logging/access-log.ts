import { Logger, type LogLevel } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { onRequestDone } from '../http/request-done.js';
import type { RequestWithId } from '../http/request-id.js';
import { requestContext } from './request-context.js';

const logger = new Logger('HTTP');
// Probes and scrapes arrive every few seconds; at info they would drown everything else.
const QUIET_PATHS = /^\/(health|metrics)(\/|$)/;

/** JSON logs get the request's facts as fields; text logs, one readable line. */
let structured = false;
/**
 * The levels LOG_LEVEL lets through, once known. Nest's `Logger.isLevelEnabled` cannot say:
 * behind the JSON logger (pino, which filters by itself) it answers true for every level, so
 * each request built its line and entered a context for pino to drop it.
 */
let enabledLevels: ReadonlySet<LogLevel> | undefined;
export function useStructuredAccessLog(on: boolean, levels?: readonly LogLevel[]): void {
  structured = on;
  enabledLevels = levels ? new Set(levels) : undefined;
}

export function isEnabled(level: LogLevel): boolean {
  return enabledLevels ? enabledLevels.has(level) : Logger.isLevelEnabled(level);
}

/** One request's line: its facts as fields in JSON logs, the readable line alone in text. */
export function logRequestLine(
  to: Logger,
  level: LogLevel,
  line: string,
  fields: Record<string, unknown>,
): void {
  if (!structured) return to[level](line);
  to[level]({ msg: line, ...fields });
}

/**
 * Probes and scrapes at debug, but not when refused for their key: a 401 or 403 on /metrics
 * is someone trying, and belongs in the log like any other refusal. Errors by whose fault.
 */
function levelOf(path: string, status: number): LogLevel {
  if (QUIET_PATHS.test(path) && status !== 401 && status !== 403) return 'debug';
  // A 500 is the gateway's own fault. 502, 503 and 504 say an upstream server failed or the
  // gateway is busy or draining: worth a look, not an alert per request of an outage.
  if (status === 500) return 'error';
  return status > 500 ? 'warn' : 'log';
}

/**
 * A request HTTP parsing refused (bad framing, headers too large, too slow to arrive): it
 * never reached Express, so its method and path were never read. One line all the same.
 */
export function logRefusedRequest(status: number, reason: string, requestId: string): void {
  if (!isEnabled('log')) return;
  requestContext.run({ requestId }, () => {
    logRequestLine(logger, 'log', `refused before parsing ended: ${status} (${reason})`, {
      status,
      refused: reason,
    });
  });
}

/**
 * One line per request, written when the answer is finished, or when the client went away
 * first (status 499): method, path, status, duration and, when one was given, the key's id.
 */
export function accessLogMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = performance.now();
  onRequestDone(res, (status) => {
    const path = req.originalUrl.split('?')[0];
    const level = levelOf(path, status);
    // Hot path: at LOG_LEVEL=warn no line is built, no context entered.
    if (!isEnabled(level)) return;
    requestContext.run({ requestId: (req as RequestWithId).requestId ?? 'unknown' }, () => {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const keyId = (req as { principal?: { keyId?: string } }).principal?.keyId;
      logRequestLine(logger, level, `${req.method} ${path} ${status} ${durationMs}ms`, {
        method: req.method,
        path,
        status,
        duration_ms: durationMs,
        ...(keyId ? { key_id: keyId } : {}),
      });
    });
  });
  next();
}
