/** What an API key may do (issue: security). `admin` implies every other scope. */
export const SCOPES = [
  'tools:read',
  'tools:call',
  'servers:admin',
  'sessions',
  // Only GET /metrics: the key a Prometheus scrape config holds, which may do nothing else.
  'metrics',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling: an API key's id (never the key) and its scopes. */
export interface Principal {
  /** Stable and safe to store and log: the name from the keys file, or a fingerprint. */
  keyId: string;
  scopes: ReadonlySet<Scope>;
}

/** When no keys are configured, every caller is this one (loopback-only by default). */
export const ANONYMOUS_ADMIN: Principal = { keyId: 'anonymous', scopes: new Set<Scope>(['admin']) };

/**
 * The key id that per-key limits count: none for the anonymous admin, every caller when no
 * keys are set (the name is reserved, so no configured key can have it).
 */
export function limitedKeyId(keyId: string | undefined): string | undefined {
  return keyId === ANONYMOUS_ADMIN.keyId ? undefined : keyId;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

export function isAdmin(principal: Principal): boolean {
  return principal.scopes.has('admin');
}
