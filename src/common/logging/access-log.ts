import { Logger, type LogLevel } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { RequestWithId } from '../http/request-id.js';
import { requestContext } from './request-context.js';

const logger = new Logger('HTTP');
// Probes and scrapes arrive every few seconds; at info they would drown everything else.
const QUIET_PATHS = /^\/(health|metrics)(\/|$)/;

/** One line per request, written when the answer is finished: method, path, status, time. */
export function accessLogMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = performance.now();
  res.on('finish', () => {
    const path = req.originalUrl.split('?')[0];
    const level: LogLevel = QUIET_PATHS.test(path)
      ? 'debug'
      : res.statusCode >= 500
        ? 'error'
        : 'log';
    // Hot path: at LOG_LEVEL=warn no line is built, no context entered.
    if (!Logger.isLevelEnabled(level)) return;
    requestContext.run({ requestId: (req as RequestWithId).requestId ?? 'unknown' }, () => {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      logger[level](`${req.method} ${path} ${res.statusCode} ${durationMs}ms`);
    });
  });
  next();
}
