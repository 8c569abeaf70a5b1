import { SetMetadata } from '@nestjs/common';
import type { Scope } from './scopes.js';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_SCOPES = 'auth:scopes';

/** No API key needed (liveness and readiness probes only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Any one of these scopes admits the caller (`admin` always does). A route without this
 * decorator needs `admin`: forgetting it fails closed.
 */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);
