import express, { type NextFunction, type Request, type Response } from 'express';
import { Logger } from '@nestjs/common';
import { toErrorBody } from './all-exceptions.filter.js';
import type { RequestWithId } from './request-id.js';

const logger = new Logger('Errors');

/**
 * JSON bodies up to `limit` bytes. Parse and size errors happen before Nest routes the
 * request, so the error handler right after the parser gives them the same JSON error body.
 */
export function jsonBodyParser(limit: number) {
  return [
    express.json({ limit, strict: true }),
    (error: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(error);
      const body = toErrorBody(error, (req as RequestWithId).requestId, logger);
      res.status(body.statusCode).json(body);
    },
  ] as const;
}
