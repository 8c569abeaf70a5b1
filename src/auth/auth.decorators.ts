import { SetMetadata } from '@nestjs/common';
import type { Scope } from './scopes.js';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPES = 'auth:scopes';
export const NOT_RATE_LIMITED = 'auth:not-rate-limited';

/** No API key needed (liveness and readiness probes only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Any one of these scopes admits the caller (`admin` always does). A route without this
 * decorator needs `admin`: forgetting it fails closed.
 */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/**
 * Outside the per-caller rate limits: a route monitoring depends on (GET /metrics). Without
 * keys callers count by address, and a scraper sharing one with a busy client would be refused.
 */
export const NotRateLimited = () => SetMetadata(NOT_RATE_LIMITED, true);
