import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

/**
 * An upstream over the older HTTP+SSE transport, added over the API (so through the SSRF
 * guard's pinned connection pool): here the /sse door of a second gateway serving the demo.
 */
describe('an upstream over HTTP+SSE, added over the API', () => {
  let front: TestGateway;
  let back: TestGateway;

  beforeAll(async () => {
    back = await startGateway({ servers: { demo: demoStdioSpec() } });
    front = await startGateway();
  });

  afterAll(async () => {
    await front?.close();
    await back?.close();
  });

  it('connects, calls a tool, and is removed cleanly', async () => {
    const added = await front.post('/mcp/servers/add', {
      config: { mcpServers: { legacy: { url: `${back.url}/sse`, transport: 'sse' } } },
    });
    expect(added.status).toBe(201);
    expect(added.body.failed).toEqual([]);
    const call = await front.post('/mcp/execute', {
      tool_name: 'legacy__demo__echo',
      args: { message: 'through two gateways' },
    });
    expect(call.status).toBe(200);
    expect(JSON.stringify(call.body)).toContain('through two gateways');
    const removed = await front.post('/mcp/servers/remove', { server_name: 'legacy' });
    expect(removed.status).toBe(200);
    expect((await front.get('/mcp/servers')).body.servers).toEqual([]);
  });
});
