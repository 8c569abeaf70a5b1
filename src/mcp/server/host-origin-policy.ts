const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * DNS-rebinding protection for the MCP endpoints (spec, transports, security warning): a
 * page on evil.example that resolves its name to 127.0.0.1 reaches us with that Host and
 * Origin. On loopback only loopback names pass; on a named interface that name too. On a
 * wildcard address the gateway cannot know its public names, so Host is not checked and an
 * Origin must at least be the Host's own (a browser page of another site is refused).
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
    if (this.allowed && (host === undefined || !this.allowed.has(host))) {
      return `Host '${hostHeader ?? ''}' is not allowed`;
    }
    if (originHeader === undefined) return undefined;
    const origin = hostnameOf(originHeader);
    const ok = this.allowed ? origin !== undefined && this.allowed.has(origin) : origin === host;
    return ok ? undefined : `Origin '${originHeader}' is not allowed`;
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
