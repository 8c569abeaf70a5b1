import { describe, expect, it } from '@jest/globals';
import type { StdioServerSpec } from './server-spec.js';
import { assertStdioAllowed } from './stdio-policy.js';

const spec = (
  command: string,
  args: string[] = [],
  env: Record<string, string> = {},
): StdioServerSpec => ({
  transport: 'stdio',
  command,
  args,
  env,
});

describe('assertStdioAllowed', () => {
  const allow = ['npx', 'node', 'python3'];

  it('allows an allowlisted bare command running a package', () => {
    expect(() =>
      assertStdioAllowed(
        's',
        spec('npx', ['-y', '@modelcontextprotocol/server-everything']),
        allow,
      ),
    ).not.toThrow();
    expect(() =>
      assertStdioAllowed('s', spec('python3', ['-m', 'mcp_server_time'], { TZ: 'UTC' }), allow),
    ).not.toThrow();
  });

  it('refuses everything when the allowlist is empty, saying how to allow it', () => {
    expect(() => assertStdioAllowed('s', spec('npx'), [])).toThrow(/GATEWAY_STDIO_ALLOWLIST/);
  });

  it('refuses paths, even to an allowlisted name', () => {
    expect(() => assertStdioAllowed('s', spec('/tmp/node'), allow)).toThrow(/bare name/);
    expect(() => assertStdioAllowed('s', spec('./node'), allow)).toThrow(/bare name/);
  });

  it.each([
    ['-e'],
    ['--eval=1'],
    ['-pe'],
    ['-c'],
    ['--require'],
    ['--import=x'],
    ['--inspect=0.0.0.0:9229'],
    ['--loader'],
  ])('refuses the inline-code flag %s', (flag) => {
    expect(() => assertStdioAllowed('s', spec('node', [flag, 'x']), allow)).toThrow(/inline code/);
  });

  it.each([
    ['NODE_OPTIONS'],
    ['LD_PRELOAD'],
    ['DYLD_INSERT_LIBRARIES'],
    ['PATH'],
    ['npm_config_script_shell'],
    ['PYTHONSTARTUP'],
  ])('refuses the env key %s', (key) => {
    expect(() =>
      assertStdioAllowed('s', spec('node', ['server.js'], { [key]: 'x' }), allow),
    ).toThrow(/env key/);
  });
});
