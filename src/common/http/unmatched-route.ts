import { NotFoundException } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { GatewayError } from '../errors/gateway-error.js';

/** What this file reads of Express 5's router: routes and their path matchers. */
interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  /** router 2.x: what matched, with the path's parameters (none for a literal path). */
  match(path: string): false | { params?: Record<string, unknown> } | undefined;
}

/** The longest stretch of a caller's path repeated in a message. */
const PATH_SHOWN = 200;

/**
 * Nest answers a request no route matched with a bare 404 ('Cannot PUT /sessions'). This
 * tells the caller which: a path that exists with other methods is a 405 naming them (and
 * `Allow`, as HTTP asks), any other a 404 with a code. Undefined for any other exception.
 */
export function unmatchedRouteError(exception: unknown, req: Request): GatewayError | undefined {
  if (!(exception instanceof NotFoundException)) return undefined;
  if (!exception.message.startsWith(`Cannot ${req.method} `)) return undefined;
  return noRouteError(req, routeMethods(req).methods);
}

/**
 * The 404 or 405 that routing would give this request, or undefined when a route takes it.
 * For refusals made before routing (a body that is not JSON, too large, of another media
 * type): a request to a path that does not exist learns that, not what is wrong with a body
 * no route would have read.
 */
export function routeMissError(req: Request): GatewayError | undefined {
  const { any, methods } = routeMethods(req);
  if (any || methods.includes(req.method)) return undefined;
  return noRouteError(req, methods);
}

function noRouteError(req: Request, allowed: string[]): GatewayError {
  const path = req.path.length > PATH_SHOWN ? `${req.path.slice(0, PATH_SHOWN)}…` : req.path;
  if (allowed.length === 0) {
    return new GatewayError(
      ErrorCode.ROUTE_NOT_FOUND,
      `No route ${req.method} ${path}; the OpenAPI document at /docs-json lists them`,
    );
  }
  return new GatewayError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `${req.method} is not allowed on ${path}; it answers ${allowed.join(', ')}`,
    { allowed },
  );
}

/**
 * The template of the route that would take this request ('/sessions/:id'), or undefined
 * when none would: for a request answered before routing (a body refused, a key missing),
 * which Express never matched to its route.
 */
export function routeTemplateOf(req: Request): string | undefined {
  const method = req.method === 'HEAD' ? 'get' : req.method.toLowerCase();
  const taking = routesMatching(req).filter(
    ({ route }) => route.methods[method] || route.methods._all,
  );
  // As routing does: a literal route outranks a parameterised one.
  const chosen = taking.find((r) => r.literal) ?? taking[0];
  return chosen && String(chosen.route.path);
}

/**
 * The methods the routes matching this request's path answer, HEAD with GET as Express does,
 * and whether one of them answers any method.
 * A literal route outranks a parameterised one: /sessions/create is the create route, not a
 * session called 'create', so it answers POST only.
 */
function routeMethods(req: Request): { any: boolean; methods: string[] } {
  const literal = new Set<string>();
  const parameterised = new Set<string>();
  let any = false;
  for (const { route, literal: isLiteral } of routesMatching(req)) {
    for (const method of Object.keys(route.methods)) {
      // A route for every method (the MCP door's @All): the door answers what it does not serve.
      if (method === '_all') any = true;
      else (isLiteral ? literal : parameterised).add(method.toUpperCase());
    }
  }
  const methods = literal.size > 0 ? literal : parameterised;
  if (methods.has('GET')) methods.add('HEAD');
  return { any, methods: [...methods].sort() };
}

/** The routes whose path matches this request's, in router order, and whether literally. */
function routesMatching(
  req: Request,
): { route: NonNullable<RouterLayer['route']>; literal: boolean }[] {
  const router = (req.app as unknown as { router?: { stack?: RouterLayer[] } }).router;
  const found: { route: NonNullable<RouterLayer['route']>; literal: boolean }[] = [];
  for (const layer of router?.stack ?? []) {
    const match = layer.route ? matchOf(layer, req.path) : false;
    if (!layer.route || !match) continue;
    found.push({ route: layer.route, literal: Object.keys(match.params ?? {}).length === 0 });
  }
  return found;
}

/**
 * A layer's match, where a path whose parameter does not decode (`/sessions/%E0%A4%A`) counts
 * as a parameterised match: routing takes that route too, and answers its 400. The router's
 * own `match` throws for it, which, outside routing (metrics, refusals made before it), had
 * ended the process.
 */
function matchOf(layer: RouterLayer, path: string): ReturnType<RouterLayer['match']> {
  try {
    return layer.match(path);
  } catch {
    return { params: { undecodable: true } };
  }
}
