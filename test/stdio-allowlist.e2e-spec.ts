import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { DEMO_SERVER, EVERYTHING_SERVER } from './helpers/paths.js';

type Spec = { command: string; args: string[]; env?: Record<string, string> };

/** Adds one stdio server over the API and removes it again when it got in. */
async function tryAdd(gateway: TestGateway, name: string, spec: Spec) {
  const res = await gateway.post('/mcp/servers/add', { config: { mcpServers: { [name]: spec } } });
  if (res.status === 201 && res.body.added.length > 0) {
    await gateway.post('/mcp/servers/remove', { server_name: name });
  }
  return res;
}

describe('GATEWAY_STDIO_ALLOWLIST entries match whole command lines', () => {
  let gateway: TestGateway;
  // The demo server pinned exactly (like a filesystem server pinned to its folder), and the
  // everything server taking whatever arguments follow.
  const exact = `node ${DEMO_SERVER}`;
  const open = `node ${EVERYTHING_SERVER} *`;

  beforeAll(async () => {
    gateway = await startGateway({
      // A command line no entry matches: the servers file is the operator's own and trusted.
      servers: { fromFile: { command: 'node', args: ['--no-warnings', DEMO_SERVER] } },
      env: { GATEWAY_STDIO_ALLOWLIST: `${exact}, ${open}` },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('refuses an extra argument after an exact entry, naming the entries that would match', async () => {
    const res = await tryAdd(gateway, 'wider', {
      command: 'node',
      args: [DEMO_SERVER, '--http', '0'],
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('STDIO_NOT_ALLOWED');
    expect(res.body.message).toContain(`'node' may run only '${exact}' or '${open}'`);
    expect(res.body.message).toContain("only one ending in ' *' takes further arguments");
  });

  it('adds the exact command line of an exact entry', async () => {
    const res = await tryAdd(gateway, 'pinned', { command: 'node', args: [DEMO_SERVER] });
    expect(res.status).toBe(201);
    expect(res.body.added[0].tools).toContain('pinned__echo');
  });

  it('adds further arguments where the entry ends in *', async () => {
    const res = await tryAdd(gateway, 'more', {
      command: 'node',
      args: [EVERYTHING_SERVER, 'stdio'],
    });
    expect(res.status).toBe(201);
    expect(res.body.added[0].tools).toContain('more__echo');
  });

  it('still starts a servers-file server whose command line no entry matches', async () => {
    const servers = await gateway.get('/mcp/servers');
    const fromFile = servers.body.servers.find((s: { name: string }) => s.name === 'fromFile');
    expect(fromFile.status).toBe('connected');
    const again = await tryAdd(gateway, 'copy', {
      command: 'node',
      args: ['--no-warnings', DEMO_SERVER],
    });
    expect(again.status).toBe(403);
  });
});

describe('env keys of stdio servers added over the API', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ env: { GATEWAY_STDIO_ALLOWLIST: `node ${DEMO_SERVER}` } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it.each([
    // Native code loaded from a path: OpenSSL engines and providers, glibc converters.
    'OPENSSL_CONF',
    'OPENSSL_MODULES',
    'GCONV_PATH',
    'LOCPATH',
    'GLIBC_TUNABLES',
    // Whom the server trusts.
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE',
    'HTTP_PROXY',
    'https_proxy',
    'ALL_PROXY',
    'no_proxy',
    'SSH_AUTH_SOCK',
    // Config folders and the daemons and toolchains they point at.
    'XDG_CONFIG_HOME',
    'COREPACK_NPM_REGISTRY',
    'TMPDIR',
    'DOCKER_HOST',
    'KUBECONFIG',
    'AWS_CONFIG_FILE',
    'GOFLAGS',
    'PUPPETEER_EXECUTABLE_PATH',
    'BROWSER',
  ])('refuses %s with a 403 naming it', async (key) => {
    const res = await tryAdd(gateway, 'withenv', {
      command: 'node',
      args: [DEMO_SERVER],
      env: { [key]: '/tmp/x' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('STDIO_NOT_ALLOWED');
    expect(res.body.message).toContain(`env key '${key}'`);
  });

  it('lets ordinary names through', async () => {
    const env = {
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      NODE_ENV: 'production',
      GITHUB_TOKEN: 'x',
      GOOGLE_API_KEY: 'x',
      PROXY_URL: 'https://example.com',
      TEMPERATURE: '0',
    };
    const res = await tryAdd(gateway, 'plain', { command: 'node', args: [DEMO_SERVER], env });
    expect(res.status).toBe(201);
    expect(res.body.added[0].tools).toContain('plain__echo');
  });
});

describe('GATEWAY_STDIO_ENV_ALLOWLIST: the env keys added servers may set', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      env: {
        GATEWAY_STDIO_ALLOWLIST: `node ${DEMO_SERVER}`,
        GATEWAY_STDIO_ENV_ALLOWLIST: 'GITHUB_TOKEN, MYAPP_*, NODE_OPTIONS',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const add = (name: string, env: Record<string, string>) =>
    tryAdd(gateway, name, { command: 'node', args: [DEMO_SERVER], env });

  it('takes the keys it names, exactly or by prefix', async () => {
    const res = await add('listed', { GITHUB_TOKEN: 'x', MYAPP_REGION: 'eu', MYAPP_: 'y' });
    expect(res.status).toBe(201);
    expect(res.body.added[0].tools).toContain('listed__echo');
  });

  it.each(['TZ', 'GITHUB_TOKEN_2', 'github_token', 'MYAP'])(
    'refuses %s, which it does not name, with a 403 naming the key and the list',
    async (key) => {
      const res = await add('unlisted', { [key]: 'x' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('STDIO_NOT_ALLOWED');
      expect(res.body.message).toContain(`env key '${key}' is not in GATEWAY_STDIO_ENV_ALLOWLIST`);
    },
  );

  it('never lets through a key the blocklist refuses, even when listed', async () => {
    const res = await add('loader', { NODE_OPTIONS: '--require /tmp/x.js' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain("env key 'NODE_OPTIONS' can change which code");
  });
});

describe('an allowlist entry naming a command alone', () => {
  it('is said at start to allow that command with no arguments, and how to allow more', async () => {
    const warned: string[] = [];
    const spy = jest
      .spyOn(PinoLoggerService.prototype, 'warn')
      .mockImplementation((message: unknown) => void warned.push(String(message)));
    const gateway = await startGateway({ env: { GATEWAY_STDIO_ALLOWLIST: 'npx,uvx *' } });
    try {
      expect(warned).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/entries 'npx' allow that command with no arguments.*'npx \*'/),
        ]),
      );
      expect(warned.join('\n')).not.toContain("'uvx *'");
    } finally {
      spy.mockRestore();
      await gateway.close();
    }
  });
});
