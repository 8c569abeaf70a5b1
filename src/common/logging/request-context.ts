import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Response } from 'express';
import type { RateLimitedCaller } from '../../auth/rate-limit/rate-limited-caller.js';
import type { Principal } from '../../auth/scopes.js';
import type { CallerChannel } from '../../mcp/upstream-client.js';
import type { RequestWithId } from '../http/request-id.js';

export interface RequestContext {
  /** Absent only in a context entered for an upstream call outside any request (stdio door). */
  requestId?: string;
  /** Set by the API-key guard once the caller is known. */
  principal?: Principal;
  /** Set by the rate-limit guard, so a tool call is counted for the HTTP caller that made it. */
  rateCaller?: RateLimitedCaller;
  /** The upstream tool call this work belongs to, for routing what its server sends (UpstreamCalls). */
  upstreamCaller?: CallerChannel;
}

/**
 * The request id and the caller follow the work wherever it goes (services, upstream calls,
 * queue messages, session ownership checks) without being threaded through every signature.
 * The process's only AsyncLocalStorage: on Node 20 each one in use adds work to every promise
 * the process creates, so what else must follow the work (the upstream call) lives here too.
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
