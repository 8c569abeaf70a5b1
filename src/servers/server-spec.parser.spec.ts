import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '../common/errors/gateway-error.js';
import { parseServersConfig, parseServersConfigText } from './server-spec.parser.js';

function problems(input: unknown): string {
  try {
    parseServersConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return (e as GatewayError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('parseServersConfig', () => {
  it('reads Claude Desktop stdio and remote entries, inferring the transport', () => {
    const specs = parseServersConfig({
      mcpServers: {
        fs: { command: 'npx', args: ['-y', 'server-fs'], env: { TOKEN: 't' } },
        web: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
        old: { url: 'http://localhost:3001/sse', type: 'sse' },
      },
    });
    expect(specs).toEqual([
      {
        name: 'fs',
        spec: {
          transport: 'stdio',
          command: 'npx',
          args: ['-y', 'server-fs'],
          env: { TOKEN: 't' },
        },
      },
      {
        name: 'web',
        spec: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
      },
      { name: 'old', spec: { transport: 'sse', url: 'http://localhost:3001/sse', headers: {} } },
    ]);
  });

  it('anchors a relative or missing cwd at the servers file folder', () => {
    const [a, b] = parseServersConfig(
      { mcpServers: { a: { command: 'x' }, b: { command: 'x', cwd: 'sub' } } },
      '/etc/gw',
    );
    expect(a.spec).toMatchObject({ cwd: '/etc/gw' });
    expect(b.spec).toMatchObject({ cwd: '/etc/gw/sub' });
  });

  it('skips disabled servers and ignores keys other clients write', () => {
    const specs = parseServersConfig({
      mcpServers: {
        on: { command: 'x', autoApprove: ['a'], trust: true, enabled: true },
        off: { command: 'y', disabled: true },
        gemini_off: { url: 'https://h/mcp', enabled: false },
      },
    });
    expect(specs.map((s) => s.name)).toEqual(['on']);
  });

  it("reads Cline's disabledTools as tools to leave out", () => {
    const [spec] = parseServersConfig({
      mcpServers: { fs: { command: 'x', disabledTools: ['write_file'] } },
    });
    expect(spec.spec).toMatchObject({ disabledTools: ['write_file'] });
    expect(problems({ mcpServers: { fs: { command: 'x', disabledTools: 'write_file' } } })).toMatch(
      /"disabledTools" must be an array of strings/,
    );
  });

  it('sends credentials in the URL as Basic authentication, taken out of the URL', () => {
    const [withPassword, tokenOnly] = parseServersConfig({
      mcpServers: {
        a: { url: 'https://app:p%40ss@h.example/mcp?x=1' },
        b: { url: 'https://ghp_token@h.example/mcp', headers: { 'X-Other': 'y' } },
      },
    });
    expect(withPassword.spec).toMatchObject({
      url: 'https://h.example/mcp?x=1',
      headers: { Authorization: `Basic ${Buffer.from('app:p@ss').toString('base64')}` },
    });
    expect(tokenOnly.spec).toMatchObject({
      url: 'https://h.example/mcp',
      headers: {
        'X-Other': 'y',
        Authorization: `Basic ${Buffer.from('ghp_token:').toString('base64')}`,
      },
    });
    expect(
      problems({
        mcpServers: { a: { url: 'https://u:p@h/mcp', headers: { authorization: 'Bearer t' } } },
      }),
    ).toMatch(/credentials are given twice/);
  });

  it('refuses headers the transport sets itself', () => {
    const message = problems({
      mcpServers: {
        a: { url: 'https://h/mcp', headers: { Host: 'evil.example', 'Mcp-Session-Id': 's' } },
      },
    });
    expect(message).toMatch(/"Host" is set by the gateway/);
    expect(message).toMatch(/"Mcp-Session-Id" is set by the gateway/);
  });

  it('refuses NUL and impossible env names in a stdio spec, naming the field, never the value', () => {
    const message = problems({
      mcpServers: {
        s: {
          command: 'node\0x',
          args: ['ok', '--token=TOK\0SECRET'],
          env: { API_TOKEN: 'NULSECRET\0abc', 'A=B': 'v', '': 'w' },
          cwd: '/tmp\0',
        },
      },
    });
    expect(message).toMatch(/"command" contains a NUL/);
    expect(message).toMatch(/"args"\[1\] contains a NUL/);
    expect(message).toMatch(/the value of "API_TOKEN" contains a NUL/);
    expect(message).toMatch(/"A=B" is not a variable name/);
    expect(message).toMatch(/"" is not a variable name/);
    expect(message).toMatch(/"cwd" contains a NUL/);
    expect(message).not.toMatch(/SECRET/);
  });

  it('names every problem at once', () => {
    const message = problems({
      mcpServers: {
        both: { command: 'x', url: 'http://h' },
        neither: {},
        badArgs: { command: 'x', args: 'nope' },
        'bad/name': { command: 'x' },
        extra: { command: 'x', colour: 'blue' },
        mixed: { command: 'x', transport: 'sse' },
      },
    });
    for (const expected of [
      'both: give exactly one',
      'neither: give exactly one',
      'badArgs: "args" must be an array of strings',
      'bad/name: name must be',
      'extra: unknown field(s): colour',
      'mixed: "command" needs transport "stdio"',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('refuses a body without mcpServers and text that is not JSON', () => {
    expect(problems({ servers: {} })).toContain('{"mcpServers"');
    expect(() => parseServersConfigText('{oops')).toThrow(/not valid JSON/);
  });
});
