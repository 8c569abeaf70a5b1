import { describe, expect, it } from '@jest/globals';
import type { StdioServerSpec } from './server-spec.js';
import { parseStdioAllowlist } from '../config/stdio-allowlist.js';
import { assertStdioAllowed as assertAllowed } from './stdio-policy.js';

/** The policy against an allowlist written as GATEWAY_STDIO_ALLOWLIST's entries. */
const assertStdioAllowed = (name: string, spec: StdioServerSpec, entries: string[]) =>
  assertAllowed(name, spec, parseStdioAllowlist(entries.join(',')));

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
  const allow = ['npx *', 'node *', 'python3 *'];

  it('with a command that takes any arguments, allows it running a package', () => {
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

  it('matches an entry exactly: an extra argument, such as another folder, is refused', () => {
    const pinned = [
      'npx -y @modelcontextprotocol/server-filesystem /srv/data',
      'uvx mcp-server-time',
    ];
    const fs = (...more: string[]) =>
      spec('npx', ['-y', '@modelcontextprotocol/server-filesystem', ...more]);
    expect(() => assertStdioAllowed('s', fs('/srv/data'), pinned)).not.toThrow();
    expect(() => assertStdioAllowed('s', spec('uvx', ['mcp-server-time']), pinned)).not.toThrow();
    const refusal =
      /'npx' may run only 'npx -y @modelcontextprotocol\/server-filesystem \/srv\/data' \(an entry matches the whole command line; only one ending in ' \*' takes further arguments\)/;
    expect(() => assertStdioAllowed('s', fs('/srv/data', '/'), pinned)).toThrow(refusal);
    expect(() => assertStdioAllowed('s', fs('/'), pinned)).toThrow(refusal);
    expect(() => assertStdioAllowed('s', fs(), pinned)).toThrow(refusal);
    expect(() => assertStdioAllowed('s', spec('npx', ['-y', 'evil-package']), pinned)).toThrow(
      refusal,
    );
    expect(() =>
      assertStdioAllowed('s', spec('uvx', ['mcp-server-time', '--local-timezone=UTC']), pinned),
    ).toThrow(/'uvx' may run only 'uvx mcp-server-time'/);
  });

  it('matches a bare command alone: it takes no arguments unless its entry ends in *', () => {
    expect(() =>
      assertStdioAllowed('s', spec('mcp-server-time'), ['mcp-server-time']),
    ).not.toThrow();
    expect(() => assertStdioAllowed('s', spec('npx', ['-y', 'evil-package']), ['npx'])).toThrow(
      /'npx' may run only 'npx' \(/,
    );
  });

  it('with an entry ending in *, takes any further arguments after its fixed ones', () => {
    const open = ['npx -y @modelcontextprotocol/server-filesystem *', 'uvx --from x y'];
    const fs = spec('npx', ['-y', '@modelcontextprotocol/server-filesystem', '/data', '/tmp']);
    expect(() => assertStdioAllowed('s', fs, open)).not.toThrow();
    const none = spec('npx', ['-y', '@modelcontextprotocol/server-filesystem']);
    expect(() => assertStdioAllowed('s', none, open)).not.toThrow();
    expect(() => assertStdioAllowed('s', spec('npx', ['-y', 'evil-package']), open)).toThrow(
      /'npx' may run only 'npx -y @modelcontextprotocol\/server-filesystem \*'/,
    );
    expect(() =>
      assertStdioAllowed('s', spec('uvx', ['--from', 'git+https://evil', 'x']), open),
    ).toThrow(/may run only 'uvx --from x y'/);
    // Inline code after the fixed arguments is still refused.
    const trailing = spec('npx', ['-y', '@modelcontextprotocol/server-filesystem', '-c', 'x']);
    expect(() => assertStdioAllowed('s', trailing, open)).toThrow(/inline code/);
  });

  it('does not repeat the refused arguments, which may hold a secret', () => {
    const withKey = spec('npx', ['-y', 'x', '--api-key', 'sk-secret-123']);
    expect(() => assertStdioAllowed('s', withKey, ['npx -y x'])).not.toThrow(/sk-secret-123/);
    expect(() => assertStdioAllowed('s', withKey, ['npx -y x'])).toThrow(/may run only/);
  });

  it("takes the flags an entry names as the operator's own; only the caller's added ones are checked", () => {
    const docker = [
      'docker run -i --rm -e GITHUB_PERSONAL_ACCESS_TOKEN ghcr.io/github/github-mcp-server',
      'node server.js *',
    ];
    const github = [
      'run',
      '-i',
      '--rm',
      '-e',
      'GITHUB_PERSONAL_ACCESS_TOKEN',
      'ghcr.io/github/github-mcp-server',
    ];
    expect(() => assertStdioAllowed('s', spec('docker', github), docker)).not.toThrow();
    expect(() => assertStdioAllowed('s', spec('node', ['server.js', '-e', 'x']), docker)).toThrow(
      /inline code/,
    );
  });

  it('refuses a working folder: it picks the scripts and modules a command sees', () => {
    const withCwd = { ...spec('node', ['server.js']), cwd: '/tmp/elsewhere' };
    expect(() => assertStdioAllowed('s', withCwd, allow)).toThrow(/cwd/);
  });

  it.each([['-cimport os; os.system("id")'], ['-pe1'], ['-e1']])(
    'refuses an inline-code flag joined to its value: %s',
    (arg) => {
      expect(() => assertStdioAllowed('s', spec('python3', [arg]), allow)).toThrow(/inline code/);
    },
  );

  it.each([['--node-options=--import=data:x'], ['--run'], ['--test']])(
    'refuses %s, which runs code the arguments do not show',
    (arg) => {
      expect(() => assertStdioAllowed('s', spec('npx', [arg, 'x']), allow)).toThrow(/inline code/);
    },
  );

  it.each([
    ['GIT_CONFIG_COUNT'],
    ['UV_INDEX_URL'],
    ['PIP_INDEX_URL'],
    ['PYTHONWARNINGS'],
    ['NODE_TLS_REJECT_UNAUTHORIZED'],
    ['OPENSSL_CONF'],
    ['OPENSSL_ENGINES'],
    ['SSL_CERT_FILE'],
    ['REQUESTS_CA_BUNDLE'],
    ['curl_ca_bundle'],
    ['HTTPS_PROXY'],
    ['http_proxy'],
    ['NO_PROXY'],
    ['XDG_CONFIG_HOME'],
    ['COREPACK_NPM_REGISTRY'],
    ['DOCKER_HOST'],
    ['BASH_FUNC_ls%%'],
    ['GEM_HOME'],
    ['CARGO_HOME'],
    ['CORECLR_PROFILER_PATH'],
    ['PUPPETEER_EXECUTABLE_PATH'],
    ['KRB5CCNAME'],
    ['R_PROFILE_USER'],
    ['ELECTRON_RUN_AS_NODE'],
    ['CONDARC'],
    ['PIPX_HOME'],
    ['POETRY_CONFIG_DIR'],
  ])('refuses the env family of %s', (key) => {
    expect(() => assertStdioAllowed('s', spec('npx', ['-y', 'x'], { [key]: '1' }), allow)).toThrow(
      /env key/,
    );
  });

  it('lets ordinary env through, NODE_ENV included', () => {
    const env = {
      NODE_ENV: 'production',
      GITHUB_TOKEN: 'x',
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      GOOGLE_API_KEY: 'x',
      PROXY_URL: 'x',
      TEMPERATURE: '0',
      BRAVE_API_KEY: 'x',
    };
    expect(() => assertStdioAllowed('s', spec('npx', ['-y', 'x'], env), allow)).not.toThrow();
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
    ['GCONV_PATH'],
    ['LOCPATH'],
    ['GLIBC_TUNABLES'],
    ['TMPDIR'],
    ['SSLKEYLOGFILE'],
    ['SSH_AUTH_SOCK'],
    ['GOFLAGS'],
    ['JDK_JAVA_OPTIONS'],
    ['KUBECONFIG'],
    ['AWS_CONFIG_FILE'],
    ['BROWSER'],
    ['SHELL'],
  ])('refuses the env key %s', (key) => {
    expect(() =>
      assertStdioAllowed('s', spec('node', ['server.js'], { [key]: 'x' }), allow),
    ).toThrow(/env key/);
  });
});
