/** What the gateway knows how to connect to: Claude Desktop's `mcpServers` entries. */
export type TransportKind = 'stdio' | 'streamable-http' | 'sse';

interface SpecOptions {
  /**
   * One connection serves every session that lists this server (stateless servers only);
   * absent or false: each session gets its own connection, as in the original gateway.
   */
  shared?: boolean;
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

/** The values that must never appear in an answer or a log line. */
export function secretValuesOf(spec: ServerSpec): string[] {
  const values = isStdioSpec(spec)
    ? [...Object.values(spec.env), ...spec.args.flatMap(credentialsInText)]
    : [...Object.values(spec.headers).flatMap(credentialParts), ...urlSecrets(spec.url)];
  // Very short values ("1", "on") would redact ordinary text and protect nothing. Longest
  // first, so that a whole value is replaced before any part of it.
  const secrets = [...new Set(values.filter((v) => v.length >= 4))];
  return secrets.sort((a, b) => b.length - a.length);
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
    if (colon > 0 && printable) out.push(decoded, decoded.slice(colon + 1));
  }
  return out;
}

/**
 * Credentials in a URL: the password of `user:pass@`, a user name that stands alone (a token,
 * as in `https://<token>@host`), and every query value (`?api_key=`).
 */
function urlSecrets(raw: string): string[] {
  try {
    const url = new URL(raw);
    const out = [...url.searchParams.values()];
    if (url.password) out.push(decodeURIComponent(url.password), url.password);
    else if (url.username) out.push(decodeURIComponent(url.username), url.username);
    return out;
  } catch {
    return [];
  }
}

/** `scheme://user:password@` or `scheme://token@` anywhere in a text, such as an argument. */
export const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::([^\s/@]*))?@/gi;

/** The credentials of every URL with user info in a text (`--db=postgresql://app:pw@db/x`). */
function credentialsInText(text: string): string[] {
  const out: string[] = [];
  for (const [, , user, password] of text.matchAll(URL_USERINFO)) {
    if (password) out.push(password, safeDecode(password));
    else out.push(user, safeDecode(user));
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
