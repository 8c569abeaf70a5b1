import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { answerEarly } from '../common/http/early-errors.js';
import { authenticate, type AuthenticatedRequest } from './api-key.guard.js';
import { ApiKeys } from './api-keys.js';
import { publicOperations } from './public-operations.js';

/** Swagger UI and the OpenAPI document are served outside Nest's routes, to anyone. */
const DOCS = /^\/docs(-json|\/.*)?$/;

/**
 * With API keys on, a request without a valid key is refused before its body is read: the
 * caller learns it needs a key (401), not what is wrong with a body nobody should parse, and
 * the gateway parses nothing for it. Scopes stay the guard's business, per route.
 */
export function authenticateEarly(app: INestApplication) {
  const keys = app.get(ApiKeys);
  const open = publicOperations(app);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!keys.enabled || DOCS.test(req.path)) return next();
    if (open.has(`${req.method.toLowerCase()} ${req.path}`)) return next();
    try {
      // Kept on the request: the guard takes it from there instead of hashing the key again.
      (req as AuthenticatedRequest).principal = authenticate(keys, req);
    } catch (error) {
      return answerEarly(error, req, res);
    }
    next();
  };
}
