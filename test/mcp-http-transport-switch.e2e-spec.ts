import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  startDemoHttpServer,
  startHttpMcpServer,
  type RunningHttpServer,
} from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { CONFORMANCE_SERVER, connectStreamableHttp, textOf } from './helpers/mcp-clients.js';

/**
 * MCP_HTTP_TRANSPORT picks whose streamable HTTP transports the gateway uses, on /mcp and
 * to upstream servers. Both settings serve the same calls, with what an upstream sends
 * mid-call (progress, a sampling request) relayed to the caller over both HTTP hops.
 */
describe.each(['gateway', 'sdk'])('MCP_HTTP_TRANSPORT=%s', (kind) => {
  let upstream: RunningHttpServer;
  let conformance: RunningHttpServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startDemoHttpServer();
    conformance = await startHttpMcpServer(CONFORMANCE_SERVER, ['--http', '0'], 'conformance');
    gateway = await startGateway({
      servers: { remote: { url: upstream.url }, conf: { url: conformance.url } },
      env: { MCP_HTTP_TRANSPORT: kind },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.stop();
    // Killed: with the SDK's client transport an idle connection of the gateway's pool stays
    // open, and this fixture's graceful stop would wait for it.
    conformance?.process.kill('SIGKILL');
  });

  it('calls HTTP upstreams through the MCP door, relaying progress and sampling', async () => {
    const { client } = await connectStreamableHttp(gateway.url);
    client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
      role: 'assistant',
      content: { type: 'text', text: `sampled ${JSON.stringify(request.params.messages[0])}` },
      model: 'test-model',
    }));
    try {
      const answers = await Promise.all(
        ['a', 'b', 'c'].map((message) =>
          client.callTool({ name: 'remote__echo', arguments: { message } }),
        ),
      );
      expect(answers.map(textOf)).toEqual(['a', 'b', 'c']);
      const steps: number[] = [];
      await client.callTool({ name: 'conf__test_tool_with_progress' }, undefined, {
        onprogress: (p) => steps.push(p.progress),
      });
      expect(steps).toEqual([0, 50, 100]);
      const sampled = await client.callTool({
        name: 'conf__test_sampling',
        arguments: { prompt: 'over two hops' },
      });
      expect(textOf(sampled)).toContain('over two hops');
    } finally {
      await client.close();
    }
  });

  it('calls it through the REST door', async () => {
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'remote__echo',
      args: { message: `via ${kind}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain(`via ${kind}`);
  });
});

describe('MCP_HTTP_TRANSPORT validation', () => {
  it('refuses an unknown value at start, naming the variable', async () => {
    await expect(startGateway({ env: { MCP_HTTP_TRANSPORT: 'fast' } })).rejects.toThrow(
      /MCP_HTTP_TRANSPORT/,
    );
  });
});
