import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';

export type Middleware = RequestHandler | ErrorRequestHandler;

/**
 * Middleware run in order as one Express layer, by Express's own rules: an error skips to
 * the next error handler (a function of four parameters) and a request without one skips
 * those; a throw or a rejected promise is an error; what is left goes on to the routes.
 *
 * Why: every request passes the same dozen functions before routing, and Express's router
 * pays for each as a layer of its own (its `next`, path matching, the layer's call wrapper).
 * What is lost: the router's diagnostics-channel events name this chain, not each function.
 */
export function middlewareChain(handlers: readonly Middleware[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction): void => {
    let index = 0;
    const next = (given?: unknown): void => {
      // As the router takes them from a middleware: 'route' means no error, 'router' leaves
      // the router (the one this chain sits in).
      if (given === 'router') return done(given);
      const error = given === 'route' ? undefined : given;
      while (index < handlers.length) {
        const handler = handlers[index++];
        // The router's test: four parameters handle errors, more than three never a request.
        if (error ? handler.length !== 4 : handler.length > 3) continue;
        let result: unknown;
        try {
          result = error
            ? (handler as ErrorRequestHandler)(error, req, res, next)
            : (handler as RequestHandler)(req, res, next);
        } catch (thrown) {
          return next(thrown);
        }
        if (isPromiseLike(result)) {
          result.then(undefined, (rejected: unknown) =>
            next(rejected || new Error('Rejected promise')),
          );
        }
        return;
      }
      done(error);
    };
    next();
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
