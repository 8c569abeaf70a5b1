import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ErrorCode } from '../common/errors/error-code.js';
import { countHeader } from '../common/http/header-count.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { requestContext } from '../common/logging/request-context.js';
import { ApiKeys } from './api-keys.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPES } from './auth.decorators.js';
import { ANONYMOUS_ADMIN, hasScope, type Principal, type Scope } from './scopes.js';

/** Reads the key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: Request): string | undefined {
  const auth = req.header('authorization');
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1];
  return bearer || req.header('x-api-key')?.trim() || undefined;
}

/** A request whose key authenticateEarly has checked already, before its body was read. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

export function authenticate(keys: ApiKeys, req: Request): Principal {
  if (!keys.enabled) return ANONYMOUS_ADMIN;
  const checked = (req as AuthenticatedRequest).principal;
  if (checked) return checked;
  // Node keeps the first of two Authorization headers; a proxy in front may have read the
  // other, so which caller this is would be a guess.
  for (const header of ['authorization', 'x-api-key']) {
    if (countHeader(req.rawHeaders, header) > 1) {
      throw new GatewayError(
        ErrorCode.UNAUTHENTICATED,
        `The ${header === 'authorization' ? 'Authorization' : 'X-API-Key'} header is sent twice; send one key`,
      );
    }
  }
  const key = presentedKey(req);
  if (!key) throw new GatewayError(ErrorCode.UNAUTHENTICATED, missingKeyMessage(req));
  const other = req.header('x-api-key')?.trim();
  // Two keys that differ: which one the caller meant is a guess, and guessing is how a
  // proxy that reads one header and a gateway that reads the other come to disagree.
  if (other && other !== key) {
    throw new GatewayError(
      ErrorCode.UNAUTHENTICATED,
      'Two different API keys were sent (Authorization: Bearer and X-API-Key); send one',
    );
  }
  const principal = keys.verify(key);
  if (!principal) throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'The API key is not valid');
  return principal;
}

/** Says what was wrong with the credentials sent, when no key could be read from them. */
function missingKeyMessage(req: Request): string {
  const scheme = /^\s*(\S+)/.exec(req.header('authorization') ?? '')?.[1];
  if (scheme && scheme.toLowerCase() !== 'bearer') {
    return `The Authorization scheme '${scheme.slice(0, 20)}' is not accepted: send Authorization: Bearer <key> or X-API-Key`;
  }
  return 'An API key is required: send Authorization: Bearer <key> or X-API-Key';
}

export function assertScopes(principal: Principal, required: readonly Scope[]): void {
  if (required.some((scope) => hasScope(principal, scope))) return;
  throw new GatewayError(
    ErrorCode.INSUFFICIENT_SCOPE,
    `This API key lacks the scope for this operation; it needs one of: ${required.join(', ')}`,
    { required },
  );
}

/** Every HTTP route: authenticate the key, then check the route's scopes (default: admin). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // The queue door carries no credentials; it is handled where its requests are read.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const principal = authenticate(this.keys, req);
    const store = requestContext.getStore();
    if (store) store.principal = principal;
    assertScopes(
      principal,
      this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? ['admin'],
    );
    return true;
  }
}

/**
 * For doors that check per operation inside one HTTP request (the MCP door: tools/list vs
 * tools/call). No caller in context means a trusted local door (stdio) or the queue.
 */
export function assertCurrentScopes(required: readonly Scope[]): void {
  const principal = requestContext.getStore()?.principal;
  if (principal) assertScopes(principal, required);
}
