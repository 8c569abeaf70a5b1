import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { unusedPort } from './helpers/free-port.js';
import { demoStdioSpec } from './helpers/paths.js';
import { queueEnv, QueueTestClient, uniqueStreams } from './helpers/queue-redis.js';
import { testRedisUrl } from './helpers/redis.js';
import {
  RawMcp,
  runGateway,
  spawnGateway,
  startHeaderRecorder,
  type GatewayProcess,
  type RecorderServer,
} from './helpers/security.js';

/** Every secret below contains this marker; it must appear in no answer, log line or message. */
const CANARY = `cnry${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const SECRETS = {
  demoEnv: `${CANARY}-demo-env`,
  leakyEnv: `${CANARY}-leaky-env`,
  remoteHeader: `${CANARY}-remote-header`,
  refusedHeader: `${CANARY}-refused-header`,
  addedEnv: `${CANARY}-added-env`,
  addedHeader: `${CANARY}-added-header`,
  sessionEnv: `${CANARY}-session-env`,
  apiKey: `${CANARY}-api-key`,
  badKey: `${CANARY}-bad-key`,
  bearerToken: `${CANARY}-bearer-token`,
  basicPassword: `${CANARY}-basic-password`,
  queryKey: `${CANARY}-query-key`,
  // Characters that a JSON echo escapes (" and \\) and a URL percent-encodes (+ / =).
  jsonHeader: `${CANARY}"json\\header`,
  encodedQueryKey: `${CANARY}+encoded/query=`,
  argKey: `${CANARY}-arg-key`,
  // Tokens in a URL's path, as hosted MCP services give them (/mcp/sk-.../sse).
  pathToken: `sk-${CANARY}-path-1`,
  echoedPathToken: `sk-${CANARY}-path-2`,
  addedPathToken: `sk-${CANARY}-path-3`,
};

/**
 * A remote server that refuses every request and says why in its own words: the bare bearer
 * token, the decoded Basic credentials and the query string, none of them a whole header value.
 * On `/json`, it answers with the request's headers and URL as JSON, escaped as JSON escapes.
 */
async function startEchoingRefuser(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/json')) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ refused: { url: req.url, headers: req.headers } }));
      return;
    }
    const [scheme, token = ''] = (req.headers.authorization ?? '').split(' ');
    const said =
      scheme === 'Basic' ? Buffer.from(token, 'base64').toString('utf8') : `token ${token}`;
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end(`${said} is revoked (request ${req.url})`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
/**
 * A stdio server that prints its secret and the rest of its command line on stderr, then dies
 * (a file: `node -e` is refused over the API).
 */
const LEAKY_SCRIPT = join(mkdtempSync(join(tmpdir(), 'gw-leaky-')), 'leaky.cjs');
writeFileSync(
  LEAKY_SCRIPT,
  "process.stderr.write('my token is ' + process.env[process.argv[2]] + ' args ' + process.argv.slice(3).join(' ') + '\\n'); process.exit(3);\n",
);
const leakySpec = (variable: string, value: string, extraArgs: string[] = []) => ({
  command: 'node',
  args: [LEAKY_SCRIPT, variable, ...extraArgs],
  env: { [variable]: value },
});

describe('canary secrets never leave the gateway (answers, logs, queue messages)', () => {
  let recorder: RecorderServer;
  let refuser: Awaited<ReturnType<typeof startEchoingRefuser>>;
  let gateway: GatewayProcess;
  let queue: QueueTestClient;
  /** Headers and bodies of every HTTP answer, REST and /mcp. */
  const answers: string[] = [];
  const admin = { Authorization: `Bearer ${SECRETS.apiKey}` };
  /** A gateway session holding a server with a secret env of its own. */
  let sessionId: string;

  const http = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = admin,
  ) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    answers.push(JSON.stringify([...res.headers]), text);
    return { status: res.status, text };
  };

  beforeAll(async () => {
    recorder = await startHeaderRecorder();
    refuser = await startEchoingRefuser();
    const url = await testRedisUrl();
    const streams = uniqueStreams('secrets');
    queue = new QueueTestClient(url, streams);
    const dir = mkdtempSync(join(tmpdir(), 'gw-secrets-'));
    const refusedPort = await unusedPort();
    writeFileSync(
      join(dir, 'servers.json'),
      JSON.stringify({
        mcpServers: {
          demo: demoStdioSpec({ DEMO_TOKEN: SECRETS.demoEnv }),
          leaky: leakySpec('LEAKY_TOKEN', SECRETS.leakyEnv, ['--api-key', SECRETS.argKey]),
          remote: {
            url: recorder.url,
            headers: { Authorization: `Bearer ${SECRETS.remoteHeader}` },
          },
          refused: {
            url: `http://127.0.0.1:${refusedPort}/mcp`,
            headers: { 'X-Token': SECRETS.refusedHeader },
          },
          revoked_bearer: {
            url: `${refuser.url}?api_key=${SECRETS.queryKey}`,
            headers: { Authorization: `Bearer ${SECRETS.bearerToken}` },
          },
          revoked_json: {
            url: `${refuser.url.replace(/\/mcp$/, '/json')}?key=${encodeURIComponent(SECRETS.encodedQueryKey)}`,
            headers: { 'X-Key': SECRETS.jsonHeader },
          },
          path_refused: {
            url: `http://127.0.0.1:${refusedPort}/mcp/${SECRETS.pathToken}/sse`,
            transport: 'sse',
          },
          revoked_path: { url: `${refuser.url}/${SECRETS.echoedPathToken}/sse` },
          revoked_basic: {
            url: refuser.url,
            headers: {
              Authorization: `Basic ${Buffer.from(`user:${SECRETS.basicPassword}`).toString('base64')}`,
            },
          },
        },
      }),
    );
    gateway = await spawnGateway(await unusedPort(), {
      ...queueEnv(url, streams),
      MCP_SERVERS_CONFIG: join(dir, 'servers.json'),
      GATEWAY_API_KEYS: `${SECRETS.apiKey}=admin`,
      GATEWAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
      GATEWAY_STDIO_ALLOWLIST: 'node *',
      LOG_LEVEL: 'debug',
      SERVER_CONNECT_TIMEOUT_MS: '5000',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await recorder?.stop();
    await refuser?.stop();
    await queue?.cleanUp();
  });

  it('REST: lists, calls, failures, servers added at run time, sessions, bad keys', async () => {
    expect((await http('GET', '/mcp/servers')).status).toBe(200);
    expect((await http('GET', '/mcp/tools')).status).toBe(200);
    expect((await http('GET', '/tools')).status).toBe(200);
    const echo = await http('POST', '/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'hi' },
    });
    expect(echo.status).toBe(200);
    // Servers that are down: the leaky one (its stderr said the secret) and the refused one.
    // The secret was there to leak: the error shows the server's stderr, redacted.
    const servers = await http('GET', '/mcp/servers');
    expect(servers.text).toContain('my token is [redacted] args --api-key [redacted]');
    // Its command line is shown with the flag's value hidden.
    const leakyArgs = [LEAKY_SCRIPT, 'LEAKY_TOKEN', '--api-key', 'redacted'];
    expect(servers.text).toContain(`"args":${JSON.stringify(leakyArgs)}`);
    expect(servers.text).toContain('"status":"failed"');
    // One that repeats its headers and URL as JSON: escaped and percent-encoded forms.
    expect(servers.text).toContain('\\"x-key\\":\\"[redacted]\\"');
    expect(servers.text).toContain('?key=[redacted]');
    // Remote servers that repeat parts of their credentials: each part is taken out.
    expect(servers.text).toContain('token [redacted] is revoked (request /mcp?api_key=[redacted])');
    expect(servers.text).toContain('[redacted] is revoked (request /mcp)');
    // A token in the path: masked in the config shown, in the error, and where a server echoes it.
    expect(servers.text).toMatch(/"url":"http:\/\/127\.0\.0\.1:\d+\/mcp\/redacted\/sse"/);
    expect(servers.text).toMatch(
      /cannot connect to http:\/\/127\.0\.0\.1:\d+\/mcp\/redacted\/sse:/,
    );
    expect(servers.text).toContain('(request /mcp/[redacted]/sse)');
    // The query's values too, in the error as in the config shown.
    expect(servers.text).toMatch(
      /cannot connect to http:\/\/127\.0\.0\.1:\d+\/mcp\?api_key=redacted:/,
    );
    expect((await http('GET', '/health')).status).toBe(200);
    for (const name of ['leaky__anything', 'refused__anything', 'remote__recorded_headerz']) {
      const failed = await http('POST', '/mcp/execute', { tool_name: name, args: {} });
      expect(failed.status).toBeGreaterThanOrEqual(400);
    }
    // Servers added over the API, one that dies printing its secret, one that is refused.
    const added = await http('POST', '/mcp/servers/add', {
      config: {
        mcpServers: {
          added_leaky: leakySpec('ADDED_TOKEN', SECRETS.addedEnv),
          added_refused: {
            url: `http://127.0.0.1:${await unusedPort()}/mcp`,
            headers: { Authorization: `Bearer ${SECRETS.addedHeader}` },
          },
          added_path: {
            url: `http://127.0.0.1:${await unusedPort()}/mcp/${SECRETS.addedPathToken}/sse`,
            transport: 'sse',
          },
        },
      },
    });
    expect(JSON.parse(added.text)).toMatchObject({
      added: [],
      failed: [
        { name: 'added_leaky', error: expect.stringContaining('my token is [redacted]') },
        { name: 'added_refused', error: expect.stringContaining('ECONNREFUSED') },
        { name: 'added_path', error: expect.stringMatching(/:\d+\/mcp\/redacted\/sse: /) },
      ],
    });
    // A session with a server of its own.
    const session = await http('POST', '/sessions/create', { metadata: { purpose: 'canary' } });
    expect(session.status).toBe(201);
    sessionId = (JSON.parse(session.text) as { session_id: string }).session_id;
    const scoped = { ...admin, 'X-Session-ID': sessionId };
    const sessionAdd = await http(
      'POST',
      '/mcp/servers/add',
      {
        config: {
          mcpServers: {
            session_demo: demoStdioSpec({ SESSION_TOKEN: SECRETS.sessionEnv }),
            session_leaky: leakySpec('SESSION_TOKEN', SECRETS.sessionEnv),
          },
        },
      },
      scoped,
    );
    expect(JSON.parse(sessionAdd.text)).toMatchObject({
      failed: [{ name: 'session_leaky', error: expect.stringContaining('my token is [redacted]') }],
    });
    const sessionView = await http('GET', `/sessions/${sessionId}`);
    expect(sessionView.text).toContain('"SESSION_TOKEN":"[redacted]"');
    const inSession = await http(
      'POST',
      '/mcp/execute',
      { tool_name: 'session_demo__echo', args: { message: 'hi' } },
      scoped,
    );
    expect(inSession.status).toBe(200);
    await http('GET', '/sessions');
    await http('GET', '/mcp/servers', undefined, scoped);
    await http('POST', '/mcp/execute', { tool_name: 'session_leaky__x', args: {} }, scoped);
    await http('GET', '/mcp/tools/quarantined');
    await http('GET', '/analytics');
    await http('GET', '/metrics');
    await http('GET', '/health/ready');
    // Bad keys that contain the canary, both headers.
    const badBearer = await http('GET', '/mcp/tools', undefined, {
      Authorization: `Bearer ${SECRETS.badKey}`,
    });
    expect(badBearer.status).toBe(401);
    const badHeader = await http('GET', '/mcp/tools', undefined, { 'X-API-Key': SECRETS.badKey });
    expect(badHeader.status).toBe(401);
  });

  it('/mcp: the same, over JSON-RPC', async () => {
    const bad = new RawMcp(gateway.url, { Authorization: `Bearer ${SECRETS.badKey}` }, answers);
    expect((await bad.initialize()).status).toBe(401);
    const mcp = new RawMcp(gateway.url, admin, answers);
    expect((await mcp.initialize()).status).toBe(200);
    expect((await mcp.request('tools/list')).message?.result).toBeDefined();
    await mcp.request('resources/list');
    await mcp.request('prompts/list');
    expect((await mcp.callTool('demo__echo', { message: 'hi' })).message?.result).toBeDefined();
    for (const name of ['leaky__anything', 'refused__anything', 'added_leaky__x']) {
      await mcp.callTool(name);
      await mcp.callTool('call_tool', { name });
    }
    await mcp.callTool('search_tools', { query: 'token secret' });
    await mcp.close();
    const scoped = new RawMcp(gateway.url, { ...admin, 'X-Session-ID': sessionId }, answers);
    expect((await scoped.initialize()).status).toBe(200);
    expect(
      (await scoped.callTool('session_demo__echo', { message: 'hi' })).message?.result,
    ).toBeDefined();
    await scoped.callTool('session_leaky__x');
    await scoped.close();
  });

  it('queue: every response entry', async () => {
    const requests = [
      { id: 'q-servers', op: 'list_servers' },
      { id: 'q-tools', op: 'list_tools' },
      { id: 'q-echo', op: 'execute', tool_name: 'demo__echo', args: { message: 'hi' } },
      { id: 'q-leaky', op: 'execute', tool_name: 'leaky__anything', args: {} },
      { id: 'q-refused', op: 'execute', tool_name: 'refused__anything', args: {} },
      { id: 'q-added', op: 'execute', tool_name: 'added_leaky__x', args: {} },
      { id: 'q-search', op: 'search', query: 'token' },
      { id: 'q-session-servers', op: 'list_servers', session_id: sessionId },
      {
        id: 'q-session-echo',
        op: 'execute',
        tool_name: 'session_demo__echo',
        args: { message: 'hi' },
        session_id: sessionId,
      },
    ];
    for (const request of requests) await queue.send(request);
    const answered = await queue.waitForAnswers(requests.map((r) => r.id));
    expect(answered.get('q-session-echo')![0].payload.ok).toBe(true);
    expect(JSON.stringify(answered.get('q-session-servers')![0].payload)).toContain(
      '"SESSION_TOKEN":"[redacted]"',
    );
    const rows = await queue.redis.xrange(queue.streams.responses, '-', '+');
    expect(rows.length).toBeGreaterThanOrEqual(requests.length);
    const dead = await queue.redis.xrange(queue.streams.dead, '-', '+');
    expect(JSON.stringify([rows, dead])).not.toContain(CANARY);
  });

  it('no HTTP answer contained a secret', () => {
    expect(answers.length).toBeGreaterThan(30);
    const leaks = answers.filter((a) => a.includes(CANARY));
    expect(leaks).toEqual([]);
  });

  it('no log line contained a secret, and the failures were logged (redacted)', async () => {
    await gateway.stop();
    const log = gateway.output.join('');
    const lines = log.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.includes('"level":"debug"') || l.includes('"level":20'))).toBe(true);
    expect(lines.filter((l) => l.includes(CANARY))).toEqual([]);
    // The secret was there to leak: the leaky server's stderr reached the log, redacted.
    expect(log).toContain('my token is [redacted]');
  });
});

describe('a bad GATEWAY_API_KEYS value is refused without printing the key', () => {
  it.each([
    ['an unknown scope', `${CANARY}-config-key=tools:everything`],
    ['a key listed twice', `${CANARY}-twice=admin,${CANARY}-twice=tools:read`],
    ['a missing scope', `${CANARY}-no-scope=`],
  ])('%s', async (_label, value) => {
    const { child, output, exit } = runGateway({
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(await unusedPort()),
      GATEWAY_API_KEYS: value,
      LOG_LEVEL: 'debug',
    });
    await exit;
    expect(child.exitCode).not.toBe(0);
    const text = output.join('');
    expect(text).toContain('GATEWAY_API_KEYS');
    expect(text).not.toContain(CANARY);
  });
});
