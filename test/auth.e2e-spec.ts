import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

const KEYS = {
  read: 'key-read-0123456789',
  call: 'key-call-0123456789',
  servers: 'key-servers-0123456',
  sessions: 'key-sessions-012345',
  admin: 'key-admin-012345678',
  sessionsB: 'key-sessions-b-6789',
  metrics: 'key-metrics-0123456',
};
const API_KEYS = [
  `${KEYS.read}=tools:read`,
  `${KEYS.call}=tools:call`,
  `${KEYS.servers}=servers:admin`,
  `${KEYS.sessions}=sessions+tools:read+tools:call`,
  `${KEYS.admin}=admin`,
  `${KEYS.sessionsB}=sessions+tools:read+tools:call`,
  `${KEYS.metrics}=metrics`,
].join(',');

type Caller = 'none' | 'bad' | 'read' | 'call' | 'servers' | 'sessions' | 'metrics' | 'admin';
const CALLERS: Caller[] = [
  'none',
  'bad',
  'read',
  'call',
  'servers',
  'sessions',
  'metrics',
  'admin',
];
const headersOf = (caller: Caller): Record<string, string> =>
  caller === 'none'
    ? {}
    : { Authorization: `Bearer ${caller === 'bad' ? 'not-a-real-key-123' : KEYS[caller]}` };

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** Callers the auth layer lets through (what happens next is not this test's business). */
  allowed: Caller[];
}

const ROUTES: Route[] = [
  { method: 'GET', path: '/mcp/tools', allowed: ['read', 'sessions', 'admin'] },
  { method: 'GET', path: '/tools', allowed: ['read', 'sessions', 'admin'] },
  { method: 'GET', path: '/mcp/servers', allowed: ['read', 'servers', 'sessions', 'admin'] },
  {
    method: 'POST',
    path: '/mcp/execute',
    body: { tool_name: 'demo__echo', args: { message: 'm' } },
    allowed: ['call', 'sessions', 'admin'],
  },
  {
    method: 'POST',
    path: '/tool',
    body: { name: 'echo', arguments: { message: 'm' } },
    allowed: ['call', 'sessions', 'admin'],
  },
  { method: 'POST', path: '/mcp/servers/add', body: { config: {} }, allowed: ['servers', 'admin'] },
  { method: 'POST', path: '/add-server', body: { mcpServers: {} }, allowed: ['servers', 'admin'] },
  {
    method: 'POST',
    path: '/mcp/servers/remove',
    body: { server_name: 'nope' },
    allowed: ['servers', 'admin'],
  },
  { method: 'POST', path: '/sessions/create', body: {}, allowed: ['sessions', 'admin'] },
  { method: 'GET', path: '/sessions', allowed: ['sessions', 'admin'] },
  { method: 'GET', path: '/sessions/sess_unknown', allowed: ['sessions', 'admin'] },
  { method: 'DELETE', path: '/sessions/sess_unknown', allowed: ['sessions', 'admin'] },
  { method: 'GET', path: '/health', allowed: ['read', 'call', 'servers', 'sessions', 'admin'] },
  { method: 'GET', path: '/metrics', allowed: ['metrics', 'admin'] },
  { method: 'GET', path: '/health/live', allowed: CALLERS },
  { method: 'GET', path: '/health/ready', allowed: CALLERS },
];

describe('API keys and scopes on the REST door', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { GATEWAY_API_KEYS: API_KEYS },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const send = async (route: Route, headers: Record<string, string>) => {
    const res = await fetch(`${gateway.url}${route.path}`, {
      method: route.method,
      headers: { 'content-type': 'application/json', ...headers },
      body: route.body === undefined ? undefined : JSON.stringify(route.body),
    });
    const text = await res.text();
    gateway.transcript.push(text);
    return { status: res.status, text, headers: res.headers };
  };

  it('lets each caller through exactly where its scopes allow (route × caller matrix)', async () => {
    const cells: string[] = [];
    for (const route of ROUTES) {
      for (const caller of CALLERS) {
        const { status } = await send(route, headersOf(caller));
        const expected = route.allowed.includes(caller)
          ? 'through'
          : caller === 'none' || caller === 'bad'
            ? 401
            : 403;
        const got = status === 401 || status === 403 ? status : 'through';
        cells.push(
          `${route.method} ${route.path} as ${caller}: ${got === expected ? 'ok' : `expected ${expected}, got ${status}`}`,
        );
      }
    }
    expect(cells.filter((c) => !c.endsWith(': ok'))).toEqual([]);
    expect(cells).toHaveLength(ROUTES.length * CALLERS.length);
  });

  it('answers 401 with WWW-Authenticate, and accepts X-API-Key as well as Bearer', async () => {
    const none = await send(ROUTES[0], {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(JSON.parse(none.text).code).toBe('UNAUTHENTICATED');
    expect((await send(ROUTES[0], { 'X-API-Key': KEYS.read })).status).toBe(200);
    const denied = await send(ROUTES[3], { 'X-API-Key': KEYS.read });
    expect(JSON.parse(denied.text)).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_SCOPE' });
  });

  it('names a scheme it does not take, and refuses two different keys', async () => {
    const basic = `Basic ${Buffer.from(`u:${KEYS.read}`).toString('base64')}`;
    const wrongScheme = await send(ROUTES[0], { Authorization: basic });
    expect(wrongScheme.status).toBe(401);
    expect(JSON.parse(wrongScheme.text).message).toContain(
      "The Authorization scheme 'Basic' is not accepted",
    );
    // A Basic header for something in front, with the key in X-API-Key: fine.
    expect((await send(ROUTES[0], { Authorization: basic, 'X-API-Key': KEYS.read })).status).toBe(
      200,
    );
    const two = await send(ROUTES[0], {
      Authorization: `Bearer ${KEYS.read}`,
      'X-API-Key': `${KEYS.read}x`,
    });
    expect(two.status).toBe(401);
    expect(JSON.parse(two.text).message).toContain('Two different API keys');
    const same = await send(ROUTES[0], {
      Authorization: `Bearer ${KEYS.read}`,
      'X-API-Key': KEYS.read,
    });
    expect(same.status).toBe(200);
  });

  it('refuses an Authorization or X-API-Key header sent twice, whichever comes first', async () => {
    // fetch merges repeated headers; node:http sends an array as separate header lines.
    const twice = (name: string, values: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `${gateway.url}${ROUTES[0].path}`,
          { method: ROUTES[0].method, headers: { [name]: values } },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    for (const values of [
      [`Bearer ${KEYS.admin}`, `Bearer ${KEYS.read}`],
      [`Bearer ${KEYS.read}`, `Bearer ${KEYS.admin}`],
    ]) {
      const answer = await twice('Authorization', values);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).message).toBe(
        'The Authorization header is sent twice; send one key',
      );
    }
    const sameKeyTwice = await twice('X-API-Key', [KEYS.read, KEYS.read]);
    expect(sameKeyTwice.status).toBe(401);
    expect(JSON.parse(sameKeyTwice.body).message).toContain('X-API-Key header is sent twice');
  });

  it('asks for a key before reading the body: 401, not what is wrong with the body', async () => {
    const bodies = [
      ['{"tool_name": ', { 'content-type': 'application/json' }],
      ['x'.repeat(2_000_000), { 'content-type': 'application/json' }],
      ['tool_name=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    ] as const;
    for (const [body, headers] of bodies) {
      const res = await gateway.postRaw('/mcp/execute', body, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    // The MCP door answers in JSON-RPC; the probes and the API docs need no key.
    const mcp = await gateway.postRaw('/mcp', '{"jsonrpc": ', {
      accept: 'application/json, text/event-stream',
    });
    expect(mcp.status).toBe(401);
    expect(mcp.body).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringContaining('API key') },
    });
    for (const path of ['/health/live', '/health/ready', '/docs-json']) {
      expect((await gateway.get(path)).status).toBe(200);
    }
  });

  it('keeps a session private to the key that created it; admin sees all', async () => {
    const a = { Authorization: `Bearer ${KEYS.sessions}` };
    const b = { Authorization: `Bearer ${KEYS.sessionsB}` };
    const admin = { Authorization: `Bearer ${KEYS.admin}` };
    const created = await gateway.post('/sessions/create', {}, a);
    expect(created.status).toBe(201);
    const id = created.body.session_id as string;

    expect((await gateway.get(`/sessions/${id}`, b)).status).toBe(404);
    expect((await gateway.get('/mcp/tools', { ...b, 'X-Session-ID': id })).status).toBe(404);
    const call = await gateway.post(
      '/mcp/execute',
      { tool_name: 'demo__echo', args: { message: 'x' } },
      { ...b, 'X-Session-ID': id },
    );
    expect(call.status).toBe(404);
    expect(call.body.code).toBe('SESSION_NOT_FOUND');
    // B's refused call is not shown among the calls of A's session.
    const usage = (await gateway.get('/analytics?since=15m', admin)).body;
    expect(usage.sessions.map((s: { session_id: string }) => s.session_id)).not.toContain(id);
    expect((await gateway.get('/sessions', b)).body.sessions).toEqual([]);
    expect(
      (await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE', headers: b })).status,
    ).toBe(404);

    expect((await gateway.get('/mcp/tools', { ...a, 'X-Session-ID': id })).status).toBe(200);
    expect(
      (await gateway.get('/sessions', admin)).body.sessions.map(
        (s: { session_id: string }) => s.session_id,
      ),
    ).toContain(id);
    expect(
      (await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE', headers: admin })).status,
    ).toBe(200);
  });

  it('never echoes an API key', () => {
    for (const text of gateway.transcript)
      for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });
});

describe('sessions per API key', () => {
  let keyed: TestGateway;
  let open: TestGateway;

  beforeAll(async () => {
    const env = { SESSION_MAX: '10', SESSION_MAX_PER_KEY: '2' };
    [keyed, open] = await Promise.all([
      startGateway({ servers: {}, env: { ...env, GATEWAY_API_KEYS: API_KEYS } }),
      startGateway({ servers: {}, env }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([keyed?.close(), open?.close()]);
  });

  it('holds one key to SESSION_MAX_PER_KEY without locking out another; a delete frees room', async () => {
    const a = { Authorization: `Bearer ${KEYS.sessions}` };
    const b = { Authorization: `Bearer ${KEYS.sessionsB}` };
    const first = await keyed.post('/sessions/create', {}, a);
    expect((await keyed.post('/sessions/create', {}, a)).status).toBe(201);
    const third = await keyed.post('/sessions/create', {}, a);
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('SESSION_LIMIT');
    expect(third.body.message).toContain('SESSION_MAX_PER_KEY');
    expect((await keyed.post('/sessions/create', {}, b)).status).toBe(201);

    const id = first.body.session_id as string;
    const gone = await fetch(`${keyed.url}/sessions/${id}`, { method: 'DELETE', headers: a });
    expect(gone.status).toBe(200);
    expect((await keyed.post('/sessions/create', {}, a)).status).toBe(201);
  });

  it('does not apply without API keys: every caller is the one operator', async () => {
    for (let i = 0; i < 3; i++) expect((await open.post('/sessions/create', {})).status).toBe(201);
  });
});

describe('rate limits', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: {
        GATEWAY_API_KEYS: API_KEYS,
        RATE_LIMIT_PER_MINUTE: '8',
        RATE_LIMIT_TOOL_PER_MINUTE: '3',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('limits calls per key and tool, then per key, with 429 and Retry-After', async () => {
    const a = { Authorization: `Bearer ${KEYS.sessions}` };
    const echo = () =>
      gateway.post('/mcp/execute', { tool_name: 'demo__echo', args: { message: 'x' } }, a);
    for (let i = 0; i < 3; i++) expect((await echo()).status).toBe(200);
    const limited = await echo();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another tool still has room under the per-tool limit.
    const other = await gateway.post('/mcp/execute', { tool_name: 'demo__time', args: {} }, a);
    expect(other.status).toBe(200);
    // Another key is counted apart.
    expect((await gateway.get('/mcp/tools', { Authorization: `Bearer ${KEYS.read}` })).status).toBe(
      200,
    );
    // The per-key limit (8 a minute) is reached across routes.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await gateway.get('/mcp/tools', a)).status);
    expect(statuses).toContain(429);
  });

  it('never limits the probes, which share the address of limited callers', async () => {
    // No key: counted by address, as a kubelet's probes would be; 24 probes, a limit of 8.
    for (let i = 0; i < 12; i++) {
      expect((await gateway.get('/health/live')).status).toBe(200);
      expect((await gateway.get('/health/ready')).status).toBe(200);
    }
  });
});

describe('rate limits by address behind a proxy (no keys)', () => {
  const env = { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_TOOL_PER_MINUTE: '0' };
  let trusting: TestGateway;
  let direct: TestGateway;

  beforeAll(async () => {
    [trusting, direct] = await Promise.all([
      startGateway({ servers: {}, env: { ...env, GATEWAY_TRUSTED_PROXIES: '1' } }),
      startGateway({ servers: {}, env }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([trusting?.close(), direct?.close()]);
  });

  const statuses = async (gateway: TestGateway, client: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push((await gateway.get('/mcp/tools', { 'X-Forwarded-For': client })).status);
    }
    return out;
  };

  it('counts each client apart with GATEWAY_TRUSTED_PROXIES, and the proxy as one without', async () => {
    expect(await statuses(trusting, '203.0.113.7', 3)).toEqual([200, 200, 429]);
    expect(await statuses(trusting, '203.0.113.8', 2)).toEqual([200, 200]);
    // Not trusted: a forged header changes nothing, every request is the proxy's.
    expect(await statuses(direct, '203.0.113.7', 2)).toEqual([200, 200]);
    expect(await statuses(direct, '203.0.113.8', 1)).toEqual([429]);
    // A scraper behind the same address still gets its metrics: monitoring is not limited.
    expect((await direct.get('/metrics')).status).toBe(200);
  });
});

describe('API keys from a file', () => {
  let gateway: TestGateway;
  const key = 'key-from-file-0123456789';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const file = join(dir, 'keys');
    const digest = createHash('sha256').update(key).digest('hex');
    // The README's format: <name>:<sha256 hex>:<scopes>, scopes holding colons themselves.
    writeFileSync(file, `# CI\nci:${digest}:tools:read+tools:call\n`);
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { GATEWAY_API_KEYS_FILE: file },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('accepts scopes written as in the README, and grants exactly those', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    expect((await gateway.get('/mcp/tools', auth)).status).toBe(200);
    const call = { tool_name: 'demo__echo', args: { message: 'm' } };
    expect((await gateway.post('/mcp/execute', call, auth)).status).toBe(200);
    const add = await gateway.post('/mcp/servers/add', { config: { mcpServers: {} } }, auth);
    expect(add.status).toBe(403);
    expect((await gateway.get('/mcp/tools')).status).toBe(401);
  });

  it("refuses a key named 'anonymous', the name of every caller when no keys are set", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys');
    writeFileSync(file, `anonymous:${'ab'.repeat(32)}:sessions\n`);
    await expect(startGateway({ env: { GATEWAY_API_KEYS_FILE: file } })).rejects.toThrow(
      "the key name 'anonymous' is reserved",
    );
  });
});
