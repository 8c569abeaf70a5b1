import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { RawMcp } from './helpers/security.js';

/** The error codes counted in the last 15 minutes, by code. */
async function errorCodes(gateway: TestGateway): Promise<Record<string, number>> {
  const report = (await gateway.get('/analytics?since=15m')).body;
  return Object.fromEntries(
    report.error_codes.map((e: { code: string; count: number }) => [e.code, e.count]),
  );
}

/** Polls the figures until `check` holds (a cut-off call is recorded once the server lets go). */
async function codesOnceSettled(
  gateway: TestGateway,
  check: (codes: Record<string, number>) => boolean,
): Promise<Record<string, number>> {
  let codes = await errorCodes(gateway);
  for (let i = 0; i < 100 && !check(codes); i++) {
    await new Promise((r) => setTimeout(r, 50));
    codes = await errorCodes(gateway);
  }
  return codes;
}

/** The recorder is wired into the shared execute path: every door's calls show up, by door. */
describe('usage analytics counts every door', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('records REST and MCP calls, failures with their codes, and searches', async () => {
    await gateway.post('/mcp/execute', { tool_name: 'demo__echo', args: { message: 'a' } });
    await gateway.post('/mcp/execute', { tool_name: 'demo__echo', args: { message: 42 } });
    await gateway.post('/mcp/execute', {
      tool_name: 'demo__calculator',
      args: { expression: '1/0' },
    });
    await gateway.post('/mcp/search', { query: 'what time is it' });

    const client = new Client({ name: 'analytics-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`)));
    await client.callTool({ name: 'demo__echo', arguments: { message: 'over mcp' } });
    await client.close();

    const report = (await gateway.get('/analytics?since=15m')).body;
    const doors = Object.fromEntries(
      report.doors.map((d: { door: string; calls: number }) => [d.door, d.calls]),
    );
    expect(doors).toEqual({ rest: 3, mcp: 1 });
    const echo = report.tools.find((t: { tool: string }) => t.tool === 'demo__echo');
    expect(echo).toMatchObject({ calls: 3, errors: 1 });
    const codes = report.error_codes.map((e: { code: string }) => e.code);
    expect(codes).toEqual(expect.arrayContaining(['INVALID_ARGUMENTS', 'TOOL_ERROR']));
    expect(report.searches.searches).toBe(1);
    expect(report.searches.recent_queries).toBeUndefined();
  });

  it('counts a call its client cancelled as CANCELLED, not as a timeout, on the REST and MCP doors', async () => {
    const slow = { tool_name: 'demo__echo', args: { message: 'slow', delay_ms: 3000 } };
    const before = await errorCodes(gateway);
    const hangUp = new AbortController();
    const rest = fetch(`${gateway.url}/mcp/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slow),
      signal: hangUp.signal,
    }).catch((error: unknown) => error);
    await new Promise((r) => setTimeout(r, 300));
    hangUp.abort();
    expect(await rest).toMatchObject({ name: 'AbortError' });

    const mcp = new RawMcp(gateway.url);
    await mcp.initialize();
    const call = mcp.post({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'demo__echo', arguments: slow.args },
    });
    await new Promise((r) => setTimeout(r, 300));
    await mcp.post({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 7, reason: 'changed my mind' },
    });
    // A cancelled request gets no answer (MCP's cancellation rule).
    expect((await call).messages.filter((m) => m.id === 7)).toEqual([]);
    await mcp.close();

    const codes = await codesOnceSettled(
      gateway,
      (c) => (c.CANCELLED ?? 0) - (before.CANCELLED ?? 0) >= 2,
    );
    expect((codes.CANCELLED ?? 0) - (before.CANCELLED ?? 0)).toBe(2);
    expect(codes.UPSTREAM_TIMEOUT ?? 0).toBe(before.UPSTREAM_TIMEOUT ?? 0);
  });

  it('measures a query in characters, not UTF-16 units', async () => {
    const lengths = async () => {
      const { searches } = (await gateway.get('/analytics?since=15m')).body;
      return searches.searches * searches.avg_query_length;
    };
    const before = await lengths();
    expect((await gateway.post('/mcp/search', { query: '😀😀 time' })).status).toBe(200);
    // 7 characters; the two emoji are 4 UTF-16 units.
    expect((await lengths()) - before).toBeCloseTo(7, 0);
  });

  it('counts a failed search, by door, as README promises of every search', async () => {
    const before = (await gateway.get('/analytics?since=15m')).body.searches;
    const refused = await gateway.post('/mcp/search', { query: 'time', servers: ['nope'] });
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('SERVER_NOT_FOUND');
    const after = (await gateway.get('/analytics?since=15m')).body.searches;
    expect(after.searches).toBe(before.searches + 1);
    expect(after.errors).toBe(before.errors + 1);
    expect(after.doors).toContainEqual(expect.objectContaining({ door: 'rest', errors: 1 }));
  });
});
