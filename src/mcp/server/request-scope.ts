import type { Request } from 'express';
import { SESSION_HEADER } from '../../common/http/session-id.decorator.js';

/** The gateway session (X-Session-ID) a request names, or undefined for the global scope. */
export function scopeOf(req: Request): string | undefined {
  const value = req.header(SESSION_HEADER)?.trim();
  return value ? value : undefined;
}
