import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ENV_KEYS, EnvSchema, validateEnv } from './env.schema.js';

describe('validateEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      GATEWAY_HOST: 'localhost',
      GATEWAY_PORT: 8000,
      LOG_LEVEL: 'info',
      TOOL_CALL_TIMEOUT_MS: 60000,
      GATEWAY_STDIO_ALLOWLIST: '',
    });
  });

  it('converts numbers and ignores variables it does not own', () => {
    const env = validateEnv({ GATEWAY_PORT: '9001', HOME: '/root', TOOL_CALL_TIMEOUT_MS: '5' });
    expect(env.GATEWAY_PORT).toBe(9001);
    expect(env.TOOL_CALL_TIMEOUT_MS).toBe(5);
  });

  it('listens on PORT, as hosting platforms set it, unless GATEWAY_PORT says otherwise', () => {
    expect(validateEnv({ PORT: '8080' }).GATEWAY_PORT).toBe(8080);
    expect(validateEnv({ PORT: '8080', GATEWAY_PORT: '9001' }).GATEWAY_PORT).toBe(9001);
    expect(() => validateEnv({ PORT: 'http' })).toThrow(/PORT="http"/);
  });

  it("ignores Kubernetes' REDIS_PORT=tcp://… service link when REDIS_URL is given", () => {
    const env = validateEnv({
      REDIS_URL: 'redis://redis:6379',
      REDIS_PORT: 'tcp://10.96.0.12:6379',
    });
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(() => validateEnv({ REDIS_PORT: 'tcp://10.96.0.12:6379' })).toThrow(/REDIS_PORT/);
  });

  it('refuses an allowlist entry that is a path, which no added server could match', () => {
    expect(() => validateEnv({ GATEWAY_STDIO_ALLOWLIST: 'npx,/usr/bin/node' })).toThrow(
      "'/usr/bin/node' is a path",
    );
    const pinned = 'npx -y @modelcontextprotocol/server-filesystem, uvx';
    expect(validateEnv({ GATEWAY_STDIO_ALLOWLIST: pinned }).GATEWAY_STDIO_ALLOWLIST).toBe(pinned);
  });

  it("refuses a '*' in an allowlist entry anywhere but as its last word", () => {
    const open = 'npx -y @modelcontextprotocol/server-filesystem *, uvx mcp-server-time';
    expect(validateEnv({ GATEWAY_STDIO_ALLOWLIST: open }).GATEWAY_STDIO_ALLOWLIST).toBe(open);
    for (const entry of ['*', 'npx * -y', 'npx -y pkg /srv/*', 'npx*']) {
      expect(() => validateEnv({ GATEWAY_STDIO_ALLOWLIST: `uvx, ${entry}` })).toThrow(
        `GATEWAY_STDIO_ALLOWLIST: '${entry}': '*' may only end an entry`,
      );
    }
  });

  it('refuses a GATEWAY_STDIO_ENV_ALLOWLIST entry that is no env key name', () => {
    const fine = 'GITHUB_TOKEN, MYAPP_*';
    expect(validateEnv({ GATEWAY_STDIO_ENV_ALLOWLIST: fine }).GATEWAY_STDIO_ENV_ALLOWLIST).toBe(
      fine,
    );
    for (const entry of ['*', 'MY*APP', 'MY-KEY', '1KEY', 'KEY=1']) {
      expect(() => validateEnv({ GATEWAY_STDIO_ENV_ALLOWLIST: `TZ, ${entry}` })).toThrow(
        `GATEWAY_STDIO_ENV_ALLOWLIST: '${entry}' is not an env key name`,
      );
    }
  });

  it('names a bad secret variable without printing its value', () => {
    const bad = () => validateEnv({ REDIS_URL: 'http://user:hunter2@redis:6379' });
    expect(bad).toThrow(/REDIS_URL="\[redacted\]": REDIS_URL must start with redis:\/\//);
    expect(bad).not.toThrow(/hunter2/);
  });

  it('names every bad variable in one message', () => {
    expect(() => validateEnv({ GATEWAY_PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(
      /GATEWAY_PORT="eighty"[\s\S]*LOG_LEVEL="loud"/,
    );
    expect(() => validateEnv({ GATEWAY_PORT: '70000' })).toThrow(/GATEWAY_PORT/);
  });

  it('refuses to listen beyond loopback without API keys unless told to', () => {
    expect(() => validateEnv({ GATEWAY_HOST: '0.0.0.0' })).toThrow(
      /GATEWAY_HOST="0.0.0.0".*API keys/,
    );
    expect(() =>
      validateEnv({ GATEWAY_HOST: '0.0.0.0', GATEWAY_API_KEYS: 'k=admin' }),
    ).not.toThrow();
    expect(() =>
      validateEnv({ GATEWAY_HOST: '0.0.0.0', GATEWAY_ALLOW_UNAUTHENTICATED: 'true' }),
    ).not.toThrow();
    expect(() => validateEnv({ GATEWAY_HOST: '127.0.0.2' })).not.toThrow();
  });

  it.each([',', ' ', '  ,  '])(
    'refuses a GATEWAY_API_KEYS that is set but holds no key (%j), wherever it listens',
    (blank) => {
      for (const host of ['0.0.0.0', 'localhost']) {
        expect(() => validateEnv({ GATEWAY_HOST: host, GATEWAY_API_KEYS: blank })).toThrow(
          /GATEWAY_API_KEYS: set, but holds no key/,
        );
      }
      // Not even when told to run without keys: the operator meant to set some.
      expect(() =>
        validateEnv({ GATEWAY_API_KEYS: blank, GATEWAY_ALLOW_UNAUTHENTICATED: 'true' }),
      ).toThrow(/GATEWAY_API_KEYS/);
    },
  );

  it('refuses a REDIS_URL ioredis could not read, naming it, never the password', () => {
    const refused = [
      ['redis://:s3cretpw@', 'not a valid URL (a password with / # ? @ must be percent-encoded)'],
      ['redis://:s3cret/pw@redis:6379', 'not a valid URL'],
      ['redis://:s3cret#pw@redis:6379', 'not a valid URL'],
      ['redis://:s3cret?pw@redis:6379', 'not a valid URL'],
      ['redis://:s3cret%pw@redis:6379', 'a % in the user name or password must start'],
      ['redis://user:123/s3cretpw@redis:6379', 'the path must be a database number'],
      ['redis://', 'names no host'],
    ];
    for (const [url, said] of refused) {
      const bad = () => validateEnv({ REDIS_URL: url });
      expect(bad).toThrow(`REDIS_URL="[redacted]": ${said}`);
      expect(bad).not.toThrow(/s3cret/);
    }
    // What ioredis reads stays accepted: percent-encoded passwords, a db, IPv6, TLS.
    for (const url of [
      'redis://redis:6379',
      'redis://:p%2Fw%23d@redis:6379/2',
      'rediss://user:pw@redis.example.com:6380/0',
      'redis://[::1]:6379/',
    ]) {
      expect(validateEnv({ REDIS_URL: url }).REDIS_URL).toBe(url);
    }
  });

  it('refuses an OPENAI_BASE_URL that is not an http(s) URL', () => {
    expect(() => validateEnv({ OPENAI_BASE_URL: 'not a url' })).toThrow(
      /OPENAI_BASE_URL="not a url": not a URL/,
    );
    expect(() => validateEnv({ OPENAI_BASE_URL: 'ftp://models.local/v1' })).toThrow(
      /OPENAI_BASE_URL="ftp:\/\/models.local\/v1": must be an http:\/\/ or https:\/\/ URL/,
    );
    const local = 'http://localhost:11434/v1';
    expect(validateEnv({ OPENAI_BASE_URL: local }).OPENAI_BASE_URL).toBe(local);
  });

  it('bounds every numeric variable, naming it and its maximum', () => {
    const defaults = new EnvSchema() as unknown as Record<string, unknown>;
    const numeric = ENV_KEYS.filter((key) => typeof defaults[key] === 'number');
    expect(numeric.length).toBeGreaterThan(30);
    for (const key of numeric) {
      expect(() => validateEnv({ [key]: '99999999999999999999' })).toThrow(
        new RegExp(`${key}=\\d+: ${key} must not be greater than \\d+`),
      );
    }
  });

  it('keeps whatever feeds a timer within what a Node timer can wait (2^31 - 1 ms)', () => {
    const timers = [
      'TOOL_CALL_TIMEOUT_MS',
      'TOOL_CALL_TIMEOUT_MAX_MS',
      'SERVER_CONNECT_TIMEOUT_MS',
      'SERVER_PING_INTERVAL_MS',
      'SEARCH_MODEL_TIMEOUT_MS',
      'MCP_LIST_TIMEOUT_MS',
      'QUEUE_VISIBILITY_TIMEOUT_MS',
    ];
    for (const key of timers) {
      expect(() => validateEnv({ [key]: '2147483648' })).toThrow(
        `${key}=2147483648: ${key} must not be greater than 2147483647`,
      );
    }
    const longest = { TOOL_CALL_TIMEOUT_MS: '2147483647', TOOL_CALL_TIMEOUT_MAX_MS: '2147483647' };
    expect(validateEnv(longest).TOOL_CALL_TIMEOUT_MAX_MS).toBe(2_147_483_647);
  });

  it('keeps TTLs within what Date and Redis expiry can hold (ten years)', () => {
    for (const key of ['SESSION_TTL_SECONDS', 'QUEUE_IDEMPOTENCY_TTL_SECONDS']) {
      expect(() => validateEnv({ [key]: '99999999999999' })).toThrow(
        `${key}=99999999999999: ${key} must not be greater than 315360000`,
      );
      const ttl = validateEnv({ [key]: '315360000' })[key as 'SESSION_TTL_SECONDS'];
      expect(new Date(Date.now() + ttl * 1000).toISOString()).toMatch(/^20\d\d-/);
    }
    expect(() => validateEnv({ TOOL_PIN_TTL_DAYS: '3651' })).toThrow(
      'TOOL_PIN_TTL_DAYS must not be greater than 3650',
    );
  });

  it('refuses a default timeout above the maximum', () => {
    expect(() =>
      validateEnv({ TOOL_CALL_TIMEOUT_MS: '10', TOOL_CALL_TIMEOUT_MAX_MS: '5' }),
    ).toThrow(/TOOL_CALL_TIMEOUT_MS=10/);
  });

  it('is documented variable for variable, with the same defaults, in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = Object.fromEntries(
      example
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(documented).sort()).toEqual([...ENV_KEYS].sort());
    const defaults = new EnvSchema() as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(documented)) {
      const fallback = defaults[key] as string | number | undefined;
      expect([key, value]).toEqual([key, fallback === undefined ? '' : String(fallback)]);
    }
  });
});
