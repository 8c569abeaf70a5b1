import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

export const SESSION_HEADER = 'x-session-id';

/** The request's scope: the X-Session-ID header, or undefined for the global scope. */
export const SessionId = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<Request>().header(SESSION_HEADER)?.trim();
    return value ? value : undefined;
  },
);
