import { isAbsolute, resolve } from 'node:path';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { safeDecode } from '../common/safe-decode.js';
import type { ServerSpec } from './server-spec.js';

export interface NamedSpec {
  name: string;
  spec: ServerSpec;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
// Keys other MCP clients put in the same file (Claude Desktop, Cline, Roo, Gemini CLI);
// harmless here, so accepted and ignored. `disabled` and `enabled` are read below.
const IGNORED_CLIENT_KEYS = new Set([
  'autoApprove',
  'alwaysAllow',
  'description',
  'timeout',
  'trust',
  'disabled',
  'enabled',
]);
const KNOWN_KEYS = new Set([
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'headers',
  'transport',
  'type',
  'shared',
  'disabledTools',
]);

/**
 * Parses `{"mcpServers": {name: spec}}` (Claude Desktop's format and the original
 * servers.txt). Every problem is collected, so one answer names them all.
 * `baseDir` anchors a relative `cwd` (the servers file's folder, for file-loaded servers).
 */
export function parseServersConfig(input: unknown, baseDir?: string): NamedSpec[] {
  if (!isRecord(input) || !isRecord(input.mcpServers)) {
    throw invalid('expected an object of the form {"mcpServers": {"<name>": {...}}}');
  }
  const extra = Object.keys(input).filter((k) => k !== 'mcpServers');
  if (extra.length > 0) throw invalid(`unknown top-level field(s): ${extra.join(', ')}`);
  const problems: string[] = [];
  const specs: NamedSpec[] = [];
  for (const [name, raw] of Object.entries(input.mcpServers)) {
    const errors: string[] = [];
    if (!NAME.test(name))
      errors.push(
        'name must be 1-64 characters of letters, digits, space, _ . - and start with a letter or digit',
      );
    if (isRecord(raw) && (raw.disabled === true || raw.enabled === false)) continue;
    const spec = parseSpec(raw, errors, baseDir);
    if (errors.length > 0 || !spec) problems.push(...errors.map((e) => `${name}: ${e}`));
    else specs.push({ name, spec });
  }
  if (problems.length > 0) throw invalid(problems.join('; '), problems);
  return specs;
}

export function parseServersConfigText(text: string, baseDir?: string): NamedSpec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw invalid(`not valid JSON: ${(e as Error).message}`);
  }
  return parseServersConfig(parsed, baseDir);
}

function parseSpec(raw: unknown, errors: string[], baseDir?: string): ServerSpec | undefined {
  if (!isRecord(raw)) {
    errors.push('spec must be an object with "command" or "url"');
    return undefined;
  }
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k) && !IGNORED_CLIENT_KEYS.has(k));
  if (unknown.length > 0) errors.push(`unknown field(s): ${unknown.join(', ')}`);
  const transport = parseTransport(raw.transport ?? raw.type, errors);
  if (raw.shared !== undefined && typeof raw.shared !== 'boolean')
    errors.push('"shared" must be true or false');
  const shared = raw.shared === true ? { shared: true } : {};
  const disabledTools = stringArray(raw.disabledTools, 'disabledTools', errors);
  const options = { ...shared, ...(disabledTools.length > 0 ? { disabledTools } : {}) };
  const hasCommand = raw.command !== undefined;
  const hasUrl = raw.url !== undefined;
  if (hasCommand === hasUrl) {
    errors.push('give exactly one of "command" (stdio) or "url" (remote)');
    return undefined;
  }
  if (hasCommand) {
    if (transport && transport !== 'stdio')
      errors.push(`"command" needs transport "stdio", not "${transport}"`);
    if (raw.headers !== undefined) errors.push('"headers" applies to remote servers only');
    const command = nonEmptyString(raw.command, 'command', errors);
    const args = stringArray(raw.args, 'args', errors);
    const env = stringRecord(raw.env, 'env', errors);
    const cwdRaw = raw.cwd === undefined ? undefined : nonEmptyString(raw.cwd, 'cwd', errors);
    const cwd =
      cwdRaw && baseDir && !isAbsolute(cwdRaw) ? resolve(baseDir, cwdRaw) : (cwdRaw ?? baseDir);
    checkSpawnable(command, args, env, cwdRaw, errors);
    if (!command) return undefined;
    return { transport: 'stdio', command, args, env, ...(cwd ? { cwd } : {}), ...options };
  }
  if (transport === 'stdio') errors.push('"url" needs transport "streamable-http" or "sse"');
  if (raw.env !== undefined || raw.args !== undefined || raw.cwd !== undefined) {
    errors.push('"env", "args" and "cwd" apply to stdio servers only');
  }
  const url = nonEmptyString(raw.url, 'url', errors);
  const headers = stringRecord(raw.headers, 'headers', errors);
  checkHeaders(headers, errors);
  if (!url) return undefined;
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    errors.push('"url" is not a valid URL');
    return undefined;
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')
    errors.push('"url" must be http or https');
  const credentials = credentialsOfUrl(parsedUrl, headers, errors);
  return {
    ...(transport && transport !== 'stdio' ? { transport } : {}),
    url: credentials ? parsedUrl.toString() : url,
    headers: credentials ? { ...headers, Authorization: credentials } : headers,
    ...options,
  };
}

/**
 * `https://user:password@host/` (or `https://token@host/`): sent as Basic authentication, as
 * curl does, and taken out of the URL, which fetch refuses to request with credentials in it.
 * Removes them from `url`; undefined when there are none.
 */
function credentialsOfUrl(
  url: URL,
  headers: Record<string, string>,
  errors: string[],
): string | undefined {
  if (!url.username && !url.password) return undefined;
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    errors.push('credentials are given twice: in "url" and in an Authorization header');
  }
  const userPass = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
  url.username = '';
  url.password = '';
  return `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;
}

function parseTransport(
  value: unknown,
  errors: string[],
): 'stdio' | 'streamable-http' | 'sse' | undefined {
  if (value === undefined) return undefined;
  // "http" and "streamableHttp" are what Claude Code and VS Code write.
  const aliases: Record<string, 'stdio' | 'streamable-http' | 'sse'> = {
    stdio: 'stdio',
    'streamable-http': 'streamable-http',
    streamableHttp: 'streamable-http',
    http: 'streamable-http',
    sse: 'sse',
  };
  const kind = typeof value === 'string' ? aliases[value] : undefined;
  if (!kind) errors.push('"transport" must be one of stdio, streamable-http, sse');
  return kind;
}

function nonEmptyString(value: unknown, field: string, errors: string[]): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  errors.push(`"${field}" must be a non-empty string`);
  return undefined;
}

function stringArray(value: unknown, field: string, errors: string[]): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  errors.push(`"${field}" must be an array of strings`);
  return [];
}

function stringRecord(value: unknown, field: string, errors: string[]): Record<string, string> {
  if (value === undefined) return {};
  if (isRecord(value) && Object.values(value).every((v) => typeof v === 'string')) {
    return value as Record<string, string>;
  }
  errors.push(`"${field}" must be an object of string values`);
  return {};
}

/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * What a process can be started with: no NUL anywhere (the kernel takes C strings) and env
 * names a process environment can hold. Node refuses these too, but its error quotes the
 * value, which may be a secret; here the problem names the field and never the value.
 */
function checkSpawnable(
  command: string | undefined,
  args: string[],
  env: Record<string, string>,
  cwd: string | undefined,
  errors: string[],
): void {
  if (command?.includes('\0')) errors.push('"command" contains a NUL character');
  if (cwd?.includes('\0')) errors.push('"cwd" contains a NUL character');
  args.forEach((arg, i) => {
    if (arg.includes('\0')) errors.push(`"args"[${i}] contains a NUL character`);
  });
  for (const [name, value] of Object.entries(env)) {
    const shown = JSON.stringify(name.slice(0, 64));
    if (!ENV_NAME.test(name)) {
      errors.push(`"env": ${shown} is not a variable name (no "=", NUL, or empty name)`);
    } else if (value.includes('\0')) {
      errors.push(`"env": the value of ${shown} contains a NUL character`);
    }
  }
}

/** Anything but "=" and NUL, and not empty: what execve's "NAME=value" strings allow. */
const ENV_NAME = /^[^=\0]+$/;

/** What fetch sends as a field value: Latin-1 with no CR, LF or NUL (a line break would inject). */
const HEADER_VALUE = /^[^\r\n\0\u0100-\uffff]*$/;

/**
 * Headers the gateway's transport sets itself, per request or per connection. Set in a config
 * they would break the protocol (a wrong Content-Length or session id) or send the request to
 * another virtual host than the address the URL names and the upstream check allowed.
 */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'accept',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

/**
 * Headers fetch would refuse at every connection attempt, or the transport sets itself: a
 * config error, said at add time. A value is a secret, so only the header's name is named.
 */
function checkHeaders(headers: Record<string, string>, errors: string[]): void {
  for (const [name, value] of Object.entries(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      errors.push(`"headers": "${name}" is set by the gateway and cannot be configured`);
    } else if (!HEADER_NAME.test(name)) {
      errors.push(`"headers": ${JSON.stringify(name.slice(0, 100))} is not a valid header name`);
    } else if (!HEADER_VALUE.test(value)) {
      errors.push(
        `"headers": the value of "${name}" has a line break, NUL or a character beyond Latin-1`,
      );
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, details?: string[]): GatewayError {
  return new GatewayError(
    ErrorCode.INVALID_SERVER_CONFIG,
    `Invalid server config: ${message}`,
    details,
  );
}
