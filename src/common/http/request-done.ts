import type { Request, Response } from 'express';

/** What nginx logs for a client that went away before its answer: no status was sent. */
export const CLIENT_CLOSED = 499;

/**
 * Calls `done` once per request with its status: when the answer has gone out, or with 499
 * when the client went away first (a 'close' without a 'finish'). A long-lived stream whose
 * headers went out is answered; its client closing it is how it normally ends, so it is
 * reported with the status it was sent, not as a client gone before its answer.
 */
export function onRequestDone(res: Response, done: (status: number) => void): void {
  let called = false;
  const once = (status: number) => {
    if (called) return;
    called = true;
    done(status);
  };
  res.once('finish', () => once(res.statusCode));
  res.once('close', () => {
    const answered = res.writableFinished || (res.headersSent && isLongLivedStream(res.req));
    once(answered ? res.statusCode : CLIENT_CLOSED);
  });
}

/** Long-lived streams (the MCP GET stream, legacy SSE) last minutes and never "finish" early. */
export function isLongLivedStream(req: Request): boolean {
  return req.method === 'GET' && (req.path === '/mcp' || req.path === '/sse');
}
