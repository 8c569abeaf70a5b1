import { safeDecode } from '../common/safe-decode.js';
import { argumentSecrets } from './argument-secrets.js';

/** What the gateway knows how to connect to: Claude Desktop's `mcpServers` entries. */
export type TransportKind = 'stdio' | 'streamable-http' | 'sse';

interface SpecOptions {
  /**
   * One connection serves every session that lists this server (stateless servers only);
   * absent or false: each session gets its own connection, as in the original gateway.
   */
  shared?: boolean;
  /** Tools of the server left out of the catalog (Cline's and Roo's key for it). */
  disabledTools?: string[];
}

export interface StdioServerSpec extends SpecOptions {
  transport: 'stdio';
  command: string;
  args: string[];
  /** Secret by assumption: values never leave the gateway. */
  env: Record<string, string>;
  cwd?: string;
}

export interface RemoteServerSpec extends SpecOptions {
  /** Undefined means "infer": streamable HTTP first, then SSE. */
  transport?: 'streamable-http' | 'sse';
  url: string;
  /** Secret by assumption: values never leave the gateway. */
  headers: Record<string, string>;
  /**
   * For servers added over the API: the address the SSRF guard checked. The connection goes
   * there and nowhere else, whatever DNS answers later.
   */
  pinned?: { address: string; family: 4 | 6 }[];
}

export type ServerSpec = StdioServerSpec | RemoteServerSpec;

export function isStdioSpec(spec: ServerSpec): spec is StdioServerSpec {
  return spec.transport === 'stdio';
}

/** Shorter values are not redacted: they would hide ordinary text and protect nothing. */
const MIN_SECRET_LENGTH = 4;

/** The values that must never appear in an answer or a log line. */
export function secretValuesOf(spec: ServerSpec): string[] {
  const values = isStdioSpec(spec)
    ? [...Object.values(spec.env), ...argumentSecrets(spec.args)]
    : [...Object.values(spec.headers).flatMap(credentialParts), ...urlSecrets(spec.url)];
  // In no order: redact() puts the longest first itself.
  return [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH).flatMap(encodedForms))];
}

/**
 * A value as a server may repeat it: as given, inside a JSON string (a 401 body that echoes
 * the request's headers escapes `"` and `\`), percent-encoded (an error that echoes the
 * request's URL, where a base64 token's `+/=` are escaped), base64 and base64url (with and
 * without padding) and hex. The percent-encoded and hex forms come in both letter cases (a
 * server may write `%2b` for `%2B`, or lower-case a whole URL); the value itself and its
 * base64 are matched exactly, since other words that differ only in case are not the secret
 * (`INFO` for an env value `info`). Computed once per server; a value split across strings,
 * or encoded some other way, is not caught.
 */
function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  const base64url = bytes.toString('base64url');
  const hex = bytes.toString('hex');
  const forms = [
    value,
    JSON.stringify(value).slice(1, -1),
    ...inBothCases(encodeURIComponent(value)),
    ...inBothCases(new URLSearchParams({ v: value }).toString().slice(2)),
    base64,
    base64.replace(/=+$/, ''),
    base64url,
    `${base64url}${'='.repeat(base64.length - base64url.length)}`,
    hex,
    hex.toUpperCase(),
  ];
  return forms.filter((form, i) => forms.indexOf(form) === i);
}

/** A percent-encoded form as written, with lower-case escapes, and wholly lower-cased. */
function inBothCases(encoded: string): string[] {
  return [encoded, encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()), encoded.toLowerCase()];
}

/**
 * A header value and the parts a server may echo on their own: the token of
 * `Bearer <token>`, and the decoded `user:password` of `Basic <base64>` and its password.
 */
function credentialParts(value: string): string[] {
  const parts = value.trim().split(/\s+/);
  const scheme = parts.length > 1 && /^[A-Za-z-]+$/.test(parts[0]) ? parts[0] : undefined;
  const tokens = scheme ? parts.slice(1) : parts.length > 1 ? parts : [];
  const out = [value, ...tokens];
  if (scheme?.toLowerCase() === 'basic' && tokens.length === 1) {
    const decoded = Buffer.from(tokens[0], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Not base64 of text (a token that only looks like it): nothing more to hide.
    const printable = [...decoded].every((c) => c >= ' ' && c !== '\uFFFD');
    // With no password (`https://token@host`), the user name is the credential.
    const password = decoded.slice(colon + 1);
    if (colon > 0 && printable) out.push(decoded, password || decoded.slice(0, colon));
  }
  return out;
}

/**
 * A path segment taken for a token (hosted MCP services put one in the path:
 * `/mcp/sk-.../sse`): 16 characters or more, decoded, with a digit among them. Names such as
 * `mcp`, `sse`, `v1` or `streamable-http` are not.
 */
export function isPathToken(segment: string): boolean {
  const decoded = safeDecode(segment);
  return decoded.length >= 16 && /\d/.test(decoded);
}

/** A URL path as answers and logs show it: each token segment replaced by `redacted`. */
export function maskedPath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => (isPathToken(segment) ? 'redacted' : segment))
    .join('/');
}

/**
 * A server URL as answers and logs show it. Credentials travel in URLs (user:pass@, ?api_key=,
 * a token in the path: see isPathToken): keep the shape, hide the values.
 */
export function redactUrl(raw: string): string {
  const url = new URL(raw);
  url.pathname = maskedPath(url.pathname);
  if (url.password) url.password = 'redacted';
  else if (url.username) url.username = 'redacted';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, 'redacted');
  return url.toString();
}

/**
 * Credentials in a server URL: the query's values (`?api_key=`), the user info and the
 * path's token segments, each decoded and as written.
 */
function urlSecrets(raw: string): string[] {
  try {
    const url = new URL(raw);
    const out = [...url.searchParams.values()];
    for (const segment of url.pathname.split('/').filter(isPathToken)) {
      out.push(safeDecode(segment), segment);
    }
    for (const pair of url.search.slice(1).split('&')) {
      const equals = pair.indexOf('=');
      if (equals >= 0) out.push(pair.slice(equals + 1));
    }
    if (url.password) out.push(safeDecode(url.password), url.password);
    else if (url.username) out.push(safeDecode(url.username), url.username);
    return out;
  } catch {
    return [];
  }
}
