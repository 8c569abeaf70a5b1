import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Response } from 'express';
import type { Principal } from '../../auth/scopes.js';
import type { RequestWithId } from '../http/request-id.js';

export interface RequestContext {
  requestId: string;
  /** Set by the API-key guard once the caller is known. */
  principal?: Principal;
}

/**
 * The request id and the caller follow the work wherever it goes (services, upstream calls,
 * queue messages, session ownership checks) without being threaded through every signature.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

export function currentPrincipal(): Principal | undefined {
  return requestContext.getStore()?.principal;
}

/**
 * Enters the request's context. Registered after the body parser: its stream callbacks run
 * outside any context, so entering earlier would be lost by the time routing starts.
 */
export function requestContextMiddleware(
  req: RequestWithId,
  _res: Response,
  next: NextFunction,
): void {
  requestContext.run({ requestId: req.requestId ?? 'unknown' }, next);
}
