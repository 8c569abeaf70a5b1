import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { UsageRecorder } from '../src/analytics/usage-recorder.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { startDemoHttpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { demoStdioSpec } from './helpers/paths.js';
import { testRedisUrl, uniquePrefix } from './helpers/redis.js';

/** Prometheus text exposition: comments, or `name{labels} value` samples. */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

function parseExposition(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    expect(line).toMatch(SAMPLE);
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

describe('GET /metrics and GET /analytics', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('serves Prometheus text with process metrics and the servers by status', async () => {
    const res = await gateway.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const values = parseExposition(res.text);
    expect(values.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(values.has('nodejs_heap_size_used_bytes')).toBe(true);
    expect(values.get('mcp_gateway_servers{scope="global",status="connected"}')).toBe(1);
    expect(values.get('mcp_gateway_servers{scope="global",status="failed"}')).toBe(0);
    expect(values.get('mcp_gateway_sessions')).toBe(0);
  });

  it('counts HTTP requests by route template and status, early refusals and made-up paths included', async () => {
    const before = parseExposition((await gateway.get('/metrics')).text);
    const at = (series: string) => before.get(series) ?? 0;
    // No tool call or search: the other tests here count those.
    await gateway.get('/mcp/tools');
    await gateway.get('/mcp/tools');
    await gateway.get('/sessions/sess_made_up_1');
    await gateway.get('/sessions/sess_made_up_2');
    await gateway.get('/no/such/path');
    // A %-escape that does not decode: a 400, and a process that lives on to count it.
    expect((await gateway.get('/sessions/%E0%A4%A')).status).toBe(400);
    await gateway.postRaw('/mcp/execute', 'x', { 'content-type': 'text/plain' });
    const badJson = await fetch(`${gateway.url}/sessions/sess_made_up_3`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: '{"reason": ',
    });
    expect(badJson.status).toBe(400);
    const after = parseExposition((await gateway.get('/metrics')).text);
    const grew = (series: string) => (after.get(series) ?? 0) - at(series);
    const key = (route: string, status: number, method = 'POST') =>
      `mcp_gateway_http_requests_total{method="${method}",route="${route}",status="${status}"}`;
    expect(grew(key('/mcp/tools', 200, 'GET'))).toBe(2);
    // Two made-up ids, one series: the template, not the path.
    expect(grew(key('/sessions/:id', 404, 'GET'))).toBe(2);
    expect(grew(key('(unmatched)', 404, 'GET'))).toBe(1);
    // The undecodable one is that route's, whose 400 it got.
    expect(grew(key('/sessions/:id', 400, 'GET'))).toBe(1);
    expect(grew(key('(unmatched)', 400, 'GET'))).toBe(0);
    // Refused before routing (415, bad JSON): counted under the route they were for, apart
    // from scans of unknown paths, and by its template, never the path.
    expect(grew(key('/mcp/execute', 415))).toBe(1);
    expect(grew(key('/sessions/:id', 400, 'DELETE'))).toBe(1);
    expect(grew(key('(unmatched)', 415))).toBe(0);
    expect([...after.keys()].filter((series) => series.includes('made_up'))).toEqual([]);
    expect(
      after.get('mcp_gateway_http_request_duration_seconds_count{method="GET",route="/mcp/tools"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it('counts a session and its servers in the gauges', async () => {
    const created = await gateway.post('/sessions/create', {});
    expect(created.status).toBe(201);
    try {
      const values = parseExposition((await gateway.get('/metrics')).text);
      expect(values.get('mcp_gateway_sessions')).toBe(1);
      expect(values.get('mcp_gateway_session_runtimes')).toBe(1);
      expect(values.get('mcp_gateway_servers{scope="session",status="connected"}')).toBe(1);
    } finally {
      await fetch(`${gateway.url}/sessions/${created.body.session_id}`, { method: 'DELETE' });
    }
  });

  it('reports recorded calls per tool, server and session, and counts them in /metrics', async () => {
    const recorder = gateway.app.get(UsageRecorder);
    for (const durationMs of [3, 4, 5, 6, 900]) {
      recorder.recordToolCall({
        tool: 'demo__echo',
        server: 'demo',
        door: 'rest',
        durationMs,
        outcome: 'ok',
      });
    }
    recorder.recordToolCall({
      tool: 'demo__time',
      server: 'demo',
      sessionId: 'sess_e2e',
      door: 'mcp',
      durationMs: 40_000,
      outcome: 'error',
      errorCode: 'UPSTREAM_TIMEOUT',
    });

    const res = await gateway.get('/analytics?since=15m&top=1');
    expect(res.status).toBe(200);
    expect(res.body.totals).toMatchObject({ calls: 6, errors: 1 });
    expect(res.body.top_tools).toEqual([{ tool: 'demo__echo', calls: 5, error_rate: 0 }]);
    const echo = res.body.tools.find((t: { tool: string }) => t.tool === 'demo__echo');
    expect(echo.p50_ms).toBeGreaterThan(4);
    expect(echo.p50_ms).toBeLessThan(6);
    expect(echo.p99_ms).toBeGreaterThan(800);
    expect(res.body.servers).toEqual([
      expect.objectContaining({ server: 'demo', calls: 6, error_rate: 0.1667 }),
    ]);
    expect(res.body.sessions).toEqual([
      expect.objectContaining({ session_id: 'sess_e2e', calls: 1 }),
    ]);
    expect(res.body.error_codes).toEqual([{ code: 'UPSTREAM_TIMEOUT', count: 1 }]);
    expect(res.body.store).toBe('memory');

    const values = parseExposition((await gateway.get('/metrics')).text);
    expect(
      values.get('mcp_gateway_tool_calls_total{server="demo",tool="demo__echo",outcome="ok"}'),
    ).toBe(5);
    expect(
      values.get(
        'mcp_gateway_tool_call_duration_seconds_count{server="demo",tool="demo__time",outcome="error"}',
      ),
    ).toBe(1);
  });

  it('counts calls to names no server offers under one key: made-up names use up no cap', async () => {
    // More distinct names than the metric labels' cap (250) admits.
    for (let i = 0; i < 260; i++) {
      const junk = await gateway.post('/mcp/execute', { tool_name: `junk${i}`, args: {} });
      expect(junk.status).toBe(404);
    }
    const real = await gateway.post('/mcp/execute', {
      tool_name: 'demo__calculator',
      args: { expression: '1+1' },
    });
    expect(real.status).toBe(200);
    const values = parseExposition((await gateway.get('/metrics')).text);
    const calculator =
      'mcp_gateway_tool_calls_total{server="demo",tool="demo__calculator",outcome="ok"}';
    expect(values.get(calculator)).toBe(1);
    expect(
      values.get('mcp_gateway_tool_calls_total{server="unknown",tool="(unknown)",outcome="error"}'),
    ).toBe(260);
    expect([...values.keys()].some((k) => k.includes('junk'))).toBe(false);
    const usage = await gateway.get('/analytics?since=15m');
    const tools = (usage.body.tools as { tool: string; calls: number }[]).map((t) => t.tool);
    expect(tools).toContain('demo__calculator');
    expect(tools).toContain('(unknown)');
    expect(usage.body.error_codes).toContainEqual({ code: 'TOOL_NOT_FOUND', count: 260 });
  });

  it('keys calls by session only once the session resolved: made-up ids are no session', async () => {
    for (let i = 0; i < 3; i++) {
      const junk = await gateway.post(
        '/mcp/execute',
        { tool_name: 'demo__echo', args: { message: 'x' } },
        { 'X-Session-ID': `sess_junk${i}` },
      );
      expect(junk.status).toBe(404);
    }
    const created = await gateway.post('/sessions/create', {});
    const sessionId = created.body.session_id as string;
    try {
      const real = await gateway.post(
        '/mcp/execute',
        { tool_name: 'demo__echo', args: { message: 'x' } },
        { 'X-Session-ID': sessionId },
      );
      expect(real.status).toBe(200);
      const report = (await gateway.get('/analytics?since=15m')).body;
      const sessions = report.sessions.map((s: { session_id: string }) => s.session_id);
      expect(sessions).toContain(sessionId);
      expect(sessions.some((id: string) => id.startsWith('sess_junk'))).toBe(false);
      // Still counted, as failed calls of no session.
      expect(report.error_codes).toContainEqual({ code: 'SESSION_NOT_FOUND', count: 3 });
    } finally {
      await fetch(`${gateway.url}/sessions/${sessionId}`, { method: 'DELETE' });
    }
  });

  it('refuses a bad window with a 400 INVALID_REQUEST, and ignores parameters it does not take', async () => {
    for (const query of ['since=yesterday', 'since=3d', 'top=0', 'top=2.5']) {
      const res = await gateway.get(`/analytics?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.request_id).toEqual(expect.any(String));
    }
    expect((await gateway.get('/analytics?since=yesterday')).body.code).toBe('INVALID_REQUEST');
    // A parameter no route declares is ignored, on /analytics as on every other GET.
    for (const path of ['/analytics?color=red&top=1', '/mcp/tools?color=red']) {
      expect({ path, status: (await gateway.get(path)).status }).toEqual({ path, status: 200 });
    }
    const ignored = await gateway.get('/analytics?color=red&since=15m');
    expect(ignored.body.window.requested).toBe('15m');
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await gateway.get('/docs-json')).body;
    expect(doc.paths['/analytics'].get.operationId).toBe('getAnalytics');
    expect(doc.paths['/analytics'].get.responses['200'].content['application/json'].schema).toEqual(
      {
        $ref: '#/components/schemas/AnalyticsReportDto',
      },
    );
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
    // Both keys a report can show in place of a tool's name are explained.
    for (const schema of ['ToolStatsDto', 'TopToolDto']) {
      const { description } = doc.components.schemas[schema].properties.tool;
      expect({ schema, description }).toEqual({
        schema,
        description: expect.stringMatching(/\(unknown\).*\(other\)/),
      });
    }
  });
});

describe('calls to a server that is down', () => {
  let gateway: TestGateway;
  let remote: RunningHttpServer;

  beforeAll(async () => {
    remote = await startDemoHttpServer();
    gateway = await startGateway({
      servers: {
        dhttp: { url: remote.url },
        broken: { command: 'definitely-not-a-command-xyz' },
      },
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await remote?.stop();
  });

  it('count under that server, by the names it listed or by its own name, never the caller’s', async () => {
    const series = (server: string, tool: string) =>
      `mcp_gateway_tool_calls_total{server="${server}",tool="${tool}",outcome="error"}`;
    const dhttpEcho = series('dhttp', 'dhttp__echo');
    expect(
      (await gateway.post('/mcp/execute', { tool_name: 'dhttp__echo', args: { message: 'a' } }))
        .status,
    ).toBe(200);
    await remote.stop();
    // Down: the tool left the catalog, and a call to it is answered from the last listing.
    let answer = await gateway.post('/mcp/execute', { tool_name: 'dhttp__echo', args: {} });
    for (let i = 0; i < 200 && answer.body.message !== "Server 'dhttp' is failed"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      answer = await gateway.post('/mcp/execute', { tool_name: 'dhttp__echo', args: {} });
    }
    expect(answer.status).toBe(502);
    expect(answer.body.message).toMatch(/^Server 'dhttp' is failed/);
    const before = parseExposition((await gateway.get('/metrics')).text);
    for (const name of ['dhttp__echo', 'dhttp__echo', 'echo']) {
      const down = await gateway.post('/mcp/execute', { tool_name: name, args: {} });
      expect(down.body.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    // Never started, so no listing: 404, under the server its prefix names.
    for (const name of ['broken__echo', 'broken__made_up_name']) {
      const never = await gateway.post('/mcp/execute', { tool_name: name, args: {} });
      expect(never.status).toBe(404);
    }
    expect((await gateway.post('/mcp/execute', { tool_name: 'nobody__x', args: {} })).status).toBe(
      404,
    );

    const after = parseExposition((await gateway.get('/metrics')).text);
    const grew = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(grew(dhttpEcho)).toBe(3);
    expect(grew(series('broken', '(unknown)'))).toBe(2);
    expect(grew(series('unknown', '(unknown)'))).toBe(1);
    expect([...after.keys()].some((k) => /made_up|nobody/.test(k))).toBe(false);
    const report = (await gateway.get('/analytics?since=15m')).body;
    const servers = Object.fromEntries(
      report.servers.map((s: { server: string; calls: number }) => [s.server, s.calls]),
    );
    expect(servers.broken).toBe(2);
    expect(servers.dhttp).toBeGreaterThanOrEqual(5);
    expect(servers.unknown).toBe(1);
  }, 30_000);
});

describe('GET /analytics with Redis: every replica in the figures', () => {
  let redis: Redis;
  let prefix: string;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    const url = await testRedisUrl();
    redis = new Redis(url);
    prefix = uniquePrefix('analytics-e2e');
    for (let i = 0; i < 2; i++) {
      gateways.push(await startGateway({ env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix } }));
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('shows on one replica the calls recorded on another', async () => {
    const [a, b] = gateways;
    a.app
      .get(UsageRecorder)
      .recordToolCall({ tool: 'x__one', server: 'x', door: 'queue', durationMs: 7, outcome: 'ok' });
    b.app.get(UsageRecorder).recordToolCall({
      tool: 'x__two',
      server: 'x',
      door: 'rest',
      durationMs: 9,
      outcome: 'tool_error',
    });
    // a flushes its batch on its own read; b's batch is written by b's timer (once a second).
    let report: any;
    for (let attempt = 0; attempt < 50; attempt++) {
      report = (await a.get('/analytics?since=5m')).body;
      if (report.totals.calls === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(report.store).toBe('redis');
    expect(report.totals).toMatchObject({ calls: 2, errors: 1, tool_errors: 1 });
    expect(report.tools.map((t: { tool: string }) => t.tool).sort()).toEqual(['x__one', 'x__two']);
    expect(report.servers).toEqual([expect.objectContaining({ server: 'x', calls: 2 })]);
    expect(report.doors.map((d: { door: string }) => d.door).sort()).toEqual(['queue', 'rest']);
  });
});

describe('a call cut off by the shutdown grace, with Redis', () => {
  let redis: Redis;
  let prefix: string;
  let url: string;

  beforeAll(async () => {
    url = await testRedisUrl();
    redis = new Redis(url);
    prefix = uniquePrefix('analytics-cut-off');
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('is recorded: its record, made once the servers close, is written before Redis closes', async () => {
    const env = { REDIS_URL: url, REDIS_KEY_PREFIX: prefix };
    const gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { ...env, SHUTDOWN_GRACE_MS: '1000' },
    });
    const call = gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'slow', delay_ms: 3000 },
    });
    await new Promise((r) => setTimeout(r, 300));
    await gateway.close();
    expect((await call).status).toBe(503);

    const reader = await startGateway({ env });
    try {
      const report = (await reader.get('/analytics?since=15m')).body;
      expect(report.store).toBe('redis');
      expect(report.tools).toEqual([expect.objectContaining({ tool: 'demo__echo', calls: 1 })]);
    } finally {
      await reader.close();
    }
  });
});
