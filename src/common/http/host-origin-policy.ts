import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { GatewayError } from '../errors/gateway-error.js';
import { countHeader } from './header-count.js';
import { answerEarly } from './early-errors.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * DNS-rebinding protection for every route (the MCP spec asks it of the MCP endpoints; the
 * REST routes run the same tools): a page on evil.example that resolves its name to 127.0.0.1
 * reaches us with that Host and Origin. On loopback only loopback names pass; on a named
 * interface that name too. On a wildcard address the gateway cannot know its public names, so
 * Host is not checked and an Origin must at least be the Host's own (a browser page of another
 * site is refused). A Host that is an IP address always passes: rebinding needs a name, and
 * probes and scrapers (kubelet, Prometheus) address a pod by its IP.
 */
export class HostOriginPolicy {
  private readonly allowed?: ReadonlySet<string>;

  /** `extraHosts` (GATEWAY_ALLOWED_HOSTS) names the gateway's public names, wildcard or not. */
  constructor(listenHost: string, extraHosts: readonly string[] = []) {
    const host = listenHost.trim().toLowerCase();
    const named = WILDCARD.has(host) || LOOPBACK.has(host) ? [] : [host];
    if (WILDCARD.has(host) && extraHosts.length === 0) this.allowed = undefined;
    else this.allowed = new Set([...LOOPBACK, ...named, ...extraHosts]);
  }

  /** Why the request must be refused, or undefined when it may pass. */
  reject(hostHeader: string | undefined, originHeader: string | undefined): string | undefined {
    const host = hostnameOf(hostHeader ? `http://${hostHeader}` : undefined);
    const ipLiteral = host !== undefined && isIP(host.replace(/^\[|\]$/g, '')) !== 0;
    if (this.allowed && (host === undefined || (!ipLiteral && !this.allowed.has(host)))) {
      // Behind an ingress or load balancer, its public name is what GATEWAY_ALLOWED_HOSTS is for.
      return `Host '${(hostHeader ?? '').slice(0, 200)}' is not allowed (GATEWAY_ALLOWED_HOSTS lists the names the gateway answers to)`;
    }
    if (originHeader === undefined) return undefined;
    const origin = hostnameOf(originHeader);
    const ok = this.allowed ? origin !== undefined && this.allowed.has(origin) : origin === host;
    return ok
      ? undefined
      : `Origin '${originHeader.slice(0, 200)}' is not allowed (GATEWAY_ALLOWED_HOSTS lists the names the gateway answers to)`;
  }
}

function hostnameOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:'
      ? parsed.hostname.toLowerCase()
      : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses, with a 403, requests whose Host or Origin the policy does not allow. */
export function hostOriginMiddleware(policy: HostOriginPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Node keeps the first of two Host headers; a proxy in front may have read the other.
    if (countHeader(req.rawHeaders, 'host') > 1) {
      const error = new GatewayError(ErrorCode.INVALID_REQUEST, 'The Host header is sent twice');
      return answerEarly(error, req, res);
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400 (HTTP/1.0 had none).
    if (req.headers.host === undefined && req.httpVersion !== '1.0') {
      const error = new GatewayError(ErrorCode.INVALID_REQUEST, 'The Host header is missing');
      return answerEarly(error, req, res);
    }
    const refusal = policy.reject(authorityOf(req), req.headers.origin);
    if (refusal === undefined) return next();
    answerEarly(new GatewayError(ErrorCode.FORBIDDEN_ORIGIN, `Forbidden: ${refusal}`), req, res);
  };
}

/**
 * The host a request is for. With an absolute-form target (`GET http://evil.example/mcp`),
 * that target's authority, not the Host header (RFC 9112 §3.2.2), is what a proxy routes by.
 */
function authorityOf(req: Request): string | undefined {
  if (req.url.startsWith('/')) return req.headers.host;
  try {
    return new URL(req.url).host;
  } catch {
    return req.headers.host;
  }
}
