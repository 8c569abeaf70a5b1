import { describe, expect, it } from '@jest/globals';
import { secretValuesOf } from './server-spec.js';
import { publicConfig } from './server-view.js';

describe('publicConfig', () => {
  it('shows env and header keys but never their values', () => {
    expect(
      publicConfig({ transport: 'stdio', command: 'npx', args: ['x'], env: { TOKEN: 's3cret' } }),
    ).toEqual({
      command: 'npx',
      args: ['x'],
      env: { TOKEN: '[redacted]' },
    });
    const remote = JSON.stringify(
      publicConfig({ url: 'https://h/mcp', headers: { Authorization: 'Bearer s3cret' } }),
    );
    expect(remote).not.toContain('s3cret');
    expect(remote).toContain('Authorization');
  });

  it('hides credentials carried in the URL', () => {
    const shown = publicConfig({ url: 'https://user:pw@h/mcp?api_key=s3cret&x=1', headers: {} });
    expect(shown.url).toBe('https://user:redacted@h/mcp?api_key=redacted&x=redacted');
  });

  it('hides path segments of 16 characters or more with a digit: tokens, not names', () => {
    const url = (path: string) => publicConfig({ url: `https://h${path}`, headers: {} }).url;
    expect(url('/mcp/sk-ak-PATHSECRET123456/sse')).toBe('https://h/mcp/redacted/sse');
    expect(url('/s/c2stYWstUEFUSFNFQ1JFVDEyMzQ1Ng%3D%3D/mcp')).toBe('https://h/s/redacted/mcp');
    expect(url('/v1/streamable-http/mcp')).toBe('https://h/v1/streamable-http/mcp');
    expect(url('/2025-03-26/x')).toBe('https://h/2025-03-26/x');
  });

  it('hides a token standing as the URL user name', () => {
    const shown = publicConfig({ url: 'https://ghp_TOKEN123@h/mcp', headers: {} });
    expect(shown.url).toBe('https://redacted@h/mcp');
  });

  it('hides credentials in the arguments of a stdio server, keeping their shape', () => {
    const shown = publicConfig({
      transport: 'stdio',
      command: 'npx',
      args: [
        '-y',
        '@modelcontextprotocol/server-postgres',
        'postgresql://app:S3cretPw0rd@db.internal/prod',
        '--remote=https://ghp_TOKEN123@github.com/x.git',
      ],
      env: {},
    });
    expect(shown.args).toEqual([
      '-y',
      '@modelcontextprotocol/server-postgres',
      'postgresql://app:redacted@db.internal/prod',
      '--remote=https://redacted@github.com/x.git',
    ]);
  });

  it('hides the values of secret-named flags, assignments and headers in the arguments', () => {
    // Each argument as given, and as answers show it.
    const cases: [string, string][] = [
      ['mcp-remote', 'mcp-remote'],
      ['--header', '--header'],
      ['Authorization: Bearer sk-live-123', 'Authorization: redacted'],
      ['--api-key', '--api-key'],
      ['ak-456', 'redacted'],
      ['--accessToken=tok-789', '--accessToken=redacted'],
      ['GITHUB_TOKEN=ghp_abc', 'GITHUB_TOKEN=redacted'],
      ['--tokenizer', '--tokenizer'],
      ['cl100k', 'cl100k'],
      ['--keyboard-layout', '--keyboard-layout'],
      ['dvorak', 'dvorak'],
      ['--header', '--header'],
      ['Accept-Language: fr', 'Accept-Language: fr'],
    ];
    const shown = publicConfig({
      transport: 'stdio',
      command: 'npx',
      args: cases.map(([given]) => given),
      env: {},
    });
    expect(shown.args).toEqual(cases.map(([, redacted]) => redacted));
  });

  it('takes a flag followed by another flag for a switch, not for a secret and its value', () => {
    const shown = publicConfig({
      transport: 'stdio',
      command: 'server',
      args: ['--no-auth', '--port', '3000'],
      env: {},
    });
    expect(shown.args).toEqual(['--no-auth', '--port', '3000']);
  });
});

describe('secretValuesOf', () => {
  it('lists URL credentials of arguments and URLs, so error text is scrubbed of them', () => {
    const stdio = secretValuesOf({
      transport: 'stdio',
      command: 'npx',
      args: ['postgresql://app:S3cretPw0rd@db/prod'],
      env: {},
    });
    expect(stdio).toContain('S3cretPw0rd');
    expect(secretValuesOf({ url: 'https://ghp_TOKEN123@h/mcp', headers: {} })).toContain(
      'ghp_TOKEN123',
    );
  });

  it('lists the user name of Basic credentials without a password: it is the token', () => {
    const basic = `Basic ${Buffer.from('ghp_tok12:').toString('base64')}`;
    expect(secretValuesOf({ url: 'https://h/mcp', headers: { Authorization: basic } })).toContain(
      'ghp_tok12',
    );
  });

  it('lists the values of secret-named arguments', () => {
    const secrets = secretValuesOf({
      transport: 'stdio',
      command: 'npx',
      args: ['--header', 'Authorization: Bearer sk-live-123', '--api-key', 'ak-4567'],
      env: {},
    });
    expect(secrets).toEqual(expect.arrayContaining(['Bearer sk-live-123', 'ak-4567']));
  });

  it('lists each secret as a server may echo it: JSON-escaped and percent-encoded', () => {
    const stdio = secretValuesOf({
      transport: 'stdio',
      command: 'x',
      args: [],
      env: { PASSWORD: 'pw"with\\quote' },
    });
    expect(stdio).toEqual(expect.arrayContaining(['pw"with\\quote', 'pw\\"with\\\\quote']));
    const remote = secretValuesOf({ url: 'https://h/mcp?api_key=ab%2Bcd%2Fef%3D', headers: {} });
    expect(remote).toEqual(expect.arrayContaining(['ab+cd/ef=', 'ab%2Bcd%2Fef%3D']));
  });

  it("lists a path's token segments, decoded and as written", () => {
    const secrets = secretValuesOf({ url: 'https://h/mcp/ab%2Bcd1234567890xy/sse', headers: {} });
    expect(secrets).toEqual(expect.arrayContaining(['ab+cd1234567890xy', 'ab%2Bcd1234567890xy']));
    expect(secrets).not.toContain('mcp');
  });

  it('lists base64, base64url (with and without padding) and hex forms of each secret', () => {
    // Its base64 has `+` (`-` in base64url) and padding.
    const padded = secretValuesOf({
      transport: 'stdio',
      command: 'x',
      args: [],
      env: { T: 'k?>~~' },
    });
    expect(padded).toEqual(
      expect.arrayContaining(['az8+fn4=', 'az8+fn4', 'az8-fn4', 'az8-fn4=', '6b3f3e7e7e']),
    );
  });

  it('leaves out values under 4 characters: they would hide ordinary text', () => {
    const secrets = secretValuesOf({
      transport: 'stdio',
      command: 'x',
      args: [],
      env: { DEBUG: '1', MODE: 'on', TOKEN: 'abcd' },
    });
    expect(secrets).not.toContain('1');
    expect(secrets).not.toContain('on');
    expect(secrets).not.toContain('MQ');
    expect(secrets).toContain('abcd');
  });
});
