import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { unusedPort } from './helpers/free-port.js';
import { runGateway, spawnGateway } from './helpers/security.js';

/** The JSON log lines a gateway process wrote, parsed. */
function jsonLines(output: string[]): { level: string; context?: string; msg: string }[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; context?: string; msg: string });
}

async function startLogs(env: Record<string, string>) {
  const gateway = await spawnGateway(await unusedPort(), {
    LOG_FORMAT: 'json',
    QUEUE_ENABLED: 'false',
    ...env,
  });
  await gateway.stop();
  return jsonLines(gateway.output);
}

describe("the gateway's start-up log", () => {
  it("keeps Nest's per-route and per-module narration out of the default (info) level", async () => {
    const lines = await startLogs({ LOG_LEVEL: 'info' });
    expect(lines.some((l) => l.msg.startsWith('Ready in'))).toBe(true);
    // The URL to use from this machine, and the address really bound.
    expect(lines.find((l) => l.msg.startsWith('Listening on'))?.msg).toMatch(
      /^Listening on http:\/\/localhost:\d+ \(bound to 127\.0\.0\.1:\d+; Swagger UI at /,
    );
    const nest = [
      'RouterExplorer',
      'RoutesResolver',
      'InstanceLoader',
      'NestFactory',
      'NestApplication',
      'NestMicroservice',
    ];
    const chatter = lines.filter((l) => nest.includes(l.context ?? ''));
    expect(chatter).toEqual([]);
  });

  it('still shows it at LOG_LEVEL=debug, as debug lines', async () => {
    const lines = await startLogs({ LOG_LEVEL: 'debug' });
    const routes = lines.filter((l) => l.context === 'RouterExplorer');
    expect(routes.map((l) => l.msg)).toContain('Mapped {/mcp/execute, POST} route');
    expect(new Set(routes.map((l) => l.level))).toEqual(new Set(['debug']));
  });
});

const dir = mkdtempSync(join(tmpdir(), 'start-logs-'));
const NO_SERVERS = join(dir, 'no-servers.json');
writeFileSync(NO_SERVERS, '{"mcpServers":{}}');

/**
 * A gateway that should refuse to start: its exit code (null when it was still running after
 * 15 s and had to be stopped) and everything it wrote.
 */
async function refusedStart(env: Record<string, string>) {
  const { child, output, exit } = runGateway({
    GATEWAY_PORT: String(await unusedPort()),
    MCP_SERVERS_CONFIG: NO_SERVERS,
    QUEUE_ENABLED: 'false',
    ...env,
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exit;
  clearTimeout(timer);
  return { code: child.exitCode, text: output.join('') };
}

/** The one line a refused start writes (LOG_FORMAT=json), after Nest's info lines if any. */
function fatalLines(text: string) {
  return jsonLines([text]).filter((l) => l.level !== 'info' && l.level !== 'debug');
}

describe('a start that cannot go on says why in one line, naming the variable', () => {
  it.each([',', ' ', '  ,  '])(
    'GATEWAY_API_KEYS=%j beyond loopback: refused, not open to the network',
    async (blank) => {
      const { code, text } = await refusedStart({
        GATEWAY_HOST: '0.0.0.0',
        GATEWAY_API_KEYS: blank,
        LOG_FORMAT: 'json',
      });
      expect(code).toBe(1);
      const lines = fatalLines(text);
      expect(lines).toHaveLength(1);
      expect(lines[0].msg).toContain('GATEWAY_API_KEYS: set, but holds no key');
    },
  );

  it('a keys file with only comments beyond loopback: refused, naming the file', async () => {
    const keys = join(dir, 'keys.txt');
    writeFileSync(keys, '# one per line: name:sha256:scopes\n\n');
    const { code, text } = await refusedStart({
      GATEWAY_HOST: '0.0.0.0',
      GATEWAY_API_KEYS_FILE: keys,
      LOG_FORMAT: 'json',
    });
    expect(code).toBe(1);
    const lines = fatalLines(text);
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toContain(`GATEWAY_API_KEYS_FILE: ${keys} holds no key`);
  });

  it.each(['redis://:s3cretpw@', 'redis://:s3cret/pw@127.0.0.1:6379'])(
    'REDIS_URL=%j: named, its password printed nowhere, in either log format',
    async (url) => {
      const said =
        'REDIS_URL="[redacted]": not a valid URL (a password with / # ? @ must be percent-encoded)';
      const json = await refusedStart({ REDIS_URL: url, LOG_FORMAT: 'json' });
      expect(json.code).toBe(1);
      const lines = fatalLines(json.text);
      expect(lines).toHaveLength(1);
      expect(lines[0].msg).toContain(said);
      const text = await refusedStart({ REDIS_URL: url, LOG_FORMAT: 'text' });
      expect(text.code).toBe(1);
      expect(text.text).toBe(`mcp-gateway failed to start: Invalid configuration:\n  ${said}\n`);
      expect(json.text + text.text).not.toContain('s3cret');
    },
  );

  it('a servers file naming two servers of one tool prefix: refused, naming both', async () => {
    const servers = join(dir, 'same-prefix.json');
    const url = 'http://127.0.0.1:9/mcp';
    writeFileSync(servers, JSON.stringify({ mcpServers: { 'a.b': { url }, a_b: { url } } }));
    const { code, text } = await refusedStart({ MCP_SERVERS_CONFIG: servers, LOG_FORMAT: 'json' });
    expect(code).toBe(1);
    expect(fatalLines(text).map((l) => l.msg)).toEqual([
      `mcp-gateway failed to start: ${servers}: 'a_b' gives the same tool prefix (a_b__) as the server 'a.b' named earlier in the servers file`,
    ]);
  });

  it('MCP_SERVERS_CONFIG naming a directory: named, with its path', async () => {
    const servers = join(dir, 'servers-dir');
    mkdirSync(servers, { recursive: true });
    const { code, text } = await refusedStart({ MCP_SERVERS_CONFIG: servers, LOG_FORMAT: 'text' });
    expect(code).toBe(1);
    expect(text).toBe(
      'mcp-gateway failed to start: Invalid configuration:\n' +
        `  MCP_SERVERS_CONFIG=${JSON.stringify(servers)}: ${servers} is a directory; name the servers file in it\n`,
    );
  });

  it('a port in use: one line naming GATEWAY_HOST and GATEWAY_PORT', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)),
    );
    try {
      const { code, text } = await refusedStart({
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        LOG_FORMAT: 'json',
      });
      expect(code).toBe(1);
      const lines = fatalLines(text);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'fatal',
          msg: `mcp-gateway failed to start: cannot listen on GATEWAY_HOST="127.0.0.1" GATEWAY_PORT=${port} (or PORT, when GATEWAY_PORT is unset): listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
        }),
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
