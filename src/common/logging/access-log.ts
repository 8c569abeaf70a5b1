import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { RequestWithId } from '../http/request-id.js';
import { requestContext } from './request-context.js';

const logger = new Logger('HTTP');
// Probes and scrapes arrive every few seconds; at info they would drown everything else.
const QUIET_PATHS = /^\/(health|metrics)(\/|$)/;

/** One line per request, written when the answer is finished: method, path, status, time. */
export function accessLogMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = performance.now();
  res.on('finish', () =>
    requestContext.run({ requestId: (req as RequestWithId).requestId ?? 'unknown' }, () => {
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
      };
      const message = `${line.method} ${line.path} ${line.status} ${line.duration_ms}ms`;
      if (QUIET_PATHS.test(line.path)) logger.debug(message);
      else if (res.statusCode >= 500) logger.error(message);
      else logger.log(message);
    }),
  );
  next();
}
