import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

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
});
