import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { GatewayError } from '../errors/gateway-error.js';
import { answerEarly } from './early-errors.js';

export const SESSION_HEADER = 'x-session-id';

/** The request's scope: the X-Session-ID header, or undefined for the global scope. */
export function sessionScopeOf(req: Request): string | undefined {
  const value = req.header(SESSION_HEADER)?.trim();
  return value ? value : undefined;
}

export const SessionId = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  sessionScopeOf(ctx.switchToHttp().getRequest<Request>()),
);

/**
 * An X-Session-ID that is there but blank (an unset variable templated into it, say) names no
 * session: falling back to the global scope would act on everyone's servers instead. One sent
 * twice reaches us joined with a comma, which no session id contains: say so, not "not found".
 */
export function rejectBlankSessionId(req: Request, res: Response, next: NextFunction): void {
  const value = req.headers[SESSION_HEADER];
  if (value === undefined) return next();
  const scope = sessionScopeOf(req);
  if (scope !== undefined && !scope.includes(',')) return next();
  answerEarly(
    new GatewayError(
      ErrorCode.INVALID_REQUEST,
      scope === undefined
        ? 'X-Session-ID is empty: send a session id, or leave the header out for the global scope'
        : 'X-Session-ID was sent more than once: send one session id',
    ),
    req,
    res,
  );
}
