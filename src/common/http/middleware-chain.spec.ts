import { describe, expect, it } from '@jest/globals';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';
import { middlewareChain, type Middleware } from './middleware-chain.js';

/** What an app answers for GET /, with the handlers as separate layers or as one chain. */
async function answer(handlers: Middleware[], chained: boolean): Promise<string> {
  const app = express();
  if (chained) app.use(middlewareChain(handlers));
  else for (const handler of handlers) app.use(handler);
  app.get('/', (_req, res) => {
    res.send(`route ${res.locals.seen.join(',')}`);
  });
  // Express's last resort, reached by an error nothing in the chain handled.
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(`unhandled ${error.message} ${res.locals.seen.join(',')}`);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    return `${res.status} ${await res.text()}`;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const mark =
  (name: string) =>
  (_req: Request, res: Response, next: NextFunction): void => {
    (res.locals.seen ??= []).push(name);
    next();
  };
const fails =
  (name: string, how: 'next' | 'throw' | 'reject') =>
  (_req: Request, res: Response, next: NextFunction): unknown => {
    (res.locals.seen ??= []).push(name);
    const error = new Error(`from ${name}`);
    if (how === 'throw') throw error;
    if (how === 'reject') return Promise.reject(error);
    next(error);
    return undefined;
  };
const recovers =
  (name: string) =>
  (error: Error, _req: Request, res: Response, next: NextFunction): void => {
    (res.locals.seen ??= []).push(`${name}(${error.message})`);
    next();
  };
const skipsToRoute =
  (name: string) =>
  (_req: Request, res: Response, next: NextFunction): void => {
    (res.locals.seen ??= []).push(name);
    next('route');
  };
// Not a middleware's shape, which is the point: the router never calls it, nor may the chain.
const fiveParameters = ((_a: unknown, _b: unknown, _c: unknown, _d: unknown, _e: unknown) => {
  throw new Error('ran');
}) as unknown as Middleware;
const answersError =
  (name: string) =>
  (error: Error, _req: Request, res: Response, _next: NextFunction): void => {
    res.status(400).send(`${name} answered ${error.message} ${res.locals.seen.join(',')}`);
  };

describe('middlewareChain runs middleware as Express would, layer by layer', () => {
  const cases: [string, Middleware[]][] = [
    ['all pass', [mark('a'), mark('b'), mark('c')]],
    ['an error handler is skipped without an error', [mark('a'), answersError('h'), mark('b')]],
    [
      'next(error) skips to the error handler',
      [mark('a'), fails('b', 'next'), mark('c'), answersError('h')],
    ],
    ['a throw is an error', [fails('a', 'throw'), mark('b'), answersError('h')]],
    ['a rejected promise is an error', [fails('a', 'reject'), mark('b'), answersError('h')]],
    ['a handler that calls next() recovers', [fails('a', 'next'), recovers('r'), mark('b')]],
    [
      'an error past the last handler goes on to the app',
      [mark('a'), answersError('h'), fails('b', 'next'), mark('c')],
    ],
    ["next('route') from a middleware is no error", [mark('a'), skipsToRoute('r'), mark('b')]],
    [
      'a function of five parameters never runs',
      [mark('a'), fiveParameters, fails('b', 'next'), fiveParameters, answersError('h')],
    ],
  ];
  it.each(cases)('%s', async (_label, handlers) => {
    const layered = await answer(handlers, false);
    expect(await answer(handlers, true)).toBe(layered);
  });

  it('answers as the cases above expect', async () => {
    expect(await answer(cases[2][1], true)).toBe('400 h answered from b a,b');
    expect(await answer(cases[5][1], true)).toBe('200 route a,r(from a),b');
    expect(await answer(cases[6][1], true)).toBe('500 unhandled from b a,b');
    expect(await answer(cases[7][1], true)).toBe('200 route a,r,b');
    expect(await answer(cases[8][1], true)).toBe('400 h answered from b a,b');
  });
});
