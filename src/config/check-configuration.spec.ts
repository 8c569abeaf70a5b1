import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { checkConfiguration } from './config.module.js';

const dir = mkdtempSync(join(tmpdir(), 'check-configuration-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const check = (env: Record<string, string>) => () => checkConfiguration({ env, cwd: dir });
const HASH = 'a'.repeat(64);

describe('checkConfiguration', () => {
  it('refuses a keys file with no key in it, naming the variable and the path', () => {
    for (const text of ['', '\n\n', '# keys go here\n  # name:sha256:scopes\n']) {
      const path = file('keys.txt', text);
      expect(check({ GATEWAY_API_KEYS_FILE: path })).toThrow(
        `GATEWAY_API_KEYS_FILE: ${path} holds no key`,
      );
      expect(check({ GATEWAY_HOST: '0.0.0.0', GATEWAY_API_KEYS_FILE: path })).toThrow(
        'GATEWAY_API_KEYS_FILE',
      );
    }
    const one = file('one-key.txt', `# ops\nci:${HASH}:tools:read\n`);
    expect(check({ GATEWAY_HOST: '0.0.0.0', GATEWAY_API_KEYS_FILE: one })).not.toThrow();
  });

  it('names MCP_SERVERS_CONFIG and the path when it is a directory', () => {
    mkdirSync(join(dir, 'servers-dir'), { recursive: true });
    expect(check({ MCP_SERVERS_CONFIG: 'servers-dir' })).toThrow(
      `MCP_SERVERS_CONFIG="servers-dir": ${join(dir, 'servers-dir')} is a directory`,
    );
  });

  it('names the default servers.json when it is a directory (a bind mount of a missing file)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'check-configuration-'));
    mkdirSync(join(cwd, 'servers.json'));
    expect(() => checkConfiguration({ env: {}, cwd })).toThrow(
      `MCP_SERVERS_CONFIG (unset): the default ${join(cwd, 'servers.json')} is a directory`,
    );
  });
});
