import { describe, expect, it } from '@jest/globals';
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
});
