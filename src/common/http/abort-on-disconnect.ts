import type { Response } from 'express';

/** A signal that fires when the caller goes away before the answer is sent, so the upstream call is cancelled too. */
export function abortOnDisconnect(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}
