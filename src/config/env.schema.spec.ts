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
