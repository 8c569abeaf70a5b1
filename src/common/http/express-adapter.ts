import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';

/**
 * Nest's Express adapter, with requests and responses born with Express's prototypes.
 *
 * Express gives each request and response its app's prototypes on arrival
 * (`Object.setPrototypeOf(req, app.request)`, the same for `res`). In V8 that moves both
 * objects to other hidden classes on every request, after Node's HTTP code has already used
 * them, and the property accesses of everything after (Express, the router, Nest, the
 * middleware) meet objects of changing shapes: the profile showed the map migrations and
 * inline-cache misses of it among the largest items of a call. Here Node builds them with
 * those prototypes from the start (the `IncomingMessage` and `ServerResponse` options of
 * `http.createServer`), and Express's `setPrototypeOf` finds nothing to change.
 */
export class GatewayExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS and Nest's 503-on-close are not used by the gateway: Nest's own set-up then.
    if (options?.httpsOptions || options?.return503OnClosing) {
      return super.initHttpServer(options);
    }
    const app = this.getInstance<Express>();
    this.httpServer = createServer(
      {
        IncomingMessage: bornWith(IncomingMessage, app.request),
        ServerResponse: bornWith(ServerResponse, app.response),
        // Node would answer an HTTP/1.1 request without Host with a bare 400 and no body;
        // hostOriginMiddleware answers it in the JSON error shape instead.
        requireHostHeader: false,
        // How often Node looks for requests past HTTP_REQUEST_TIMEOUT_MS (its default, 30 s,
        // would let a 30 s timeout run to 60 s); a walk over the open connections, cheap.
        connectionsCheckingInterval: 1000,
      },
      app,
    );
    if (options?.forceCloseConnections) {
      // What Nest's initHttpServer does for this option (it keeps the sockets to close).
      (this as unknown as { trackOpenConnections(): void }).trackOpenConnections();
    }
  }
}

type Construct = (this: object, a: unknown, b: unknown) => void;

/**
 * A constructor running Node's `base` (IncomingMessage or ServerResponse, plain functions)
 * on objects whose prototype is `proto`, Express's app.request or app.response, which
 * inherit from `base.prototype`. Node passes them at most two arguments.
 */
function bornWith<T>(base: T, proto: object): T {
  function Born(this: object, a: unknown, b: unknown): void {
    (base as unknown as Construct).call(this, a, b);
  }
  Born.prototype = proto;
  return Born as unknown as T;
}
