import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  startDemoHttpServer,
  startHttpMcpServer,
  type RunningHttpServer,
} from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import {
  CONFORMANCE_SERVER,
  connectStreamableHttp,
  DELAYED_SAMPLING_SERVER,
  textOf,
} from './helpers/mcp-clients.js';

/** MCP clients of the gateway, each answering sampling requests with "answered by <name>". */
function samplingClients(url: string, names: string[]): Promise<Client[]> {
  return Promise.all(
    names.map(async (name) => {
      const { client } = await connectStreamableHttp(url);
      client.setRequestHandler(CreateMessageRequestSchema, () => ({
        role: 'assistant',
        content: { type: 'text', text: `answered by ${name}` },
        model: 'test-model',
      }));
      return client;
    }),
  );
}

/** The fixture's tool: waits `delayMs`, then asks its caller for a sampling answer. */
function askLater(client: Client, label: string, delayMs: number) {
  return client.callTool({ name: 'ask__ask_later', arguments: { label, delay_ms: delayMs } });
}

/**
 * MCP_HTTP_TRANSPORT picks whose streamable HTTP transports the gateway uses, on /mcp and
 * to upstream servers. Both settings serve the same calls, with what an upstream sends
 * mid-call (progress, a sampling request) relayed to the caller over both HTTP hops.
 */
describe.each(['gateway', 'sdk'])('MCP_HTTP_TRANSPORT=%s', (kind) => {
  let upstream: RunningHttpServer;
  let conformance: RunningHttpServer;
  let sampler: RunningHttpServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startDemoHttpServer();
    conformance = await startHttpMcpServer(CONFORMANCE_SERVER, ['--http', '0'], 'conformance');
    sampler = await startHttpMcpServer(DELAYED_SAMPLING_SERVER, ['--http', '0'], 'sampler');
    gateway = await startGateway({
      servers: {
        remote: { url: upstream.url },
        conf: { url: conformance.url },
        ask: { url: sampler.url },
      },
      env: { MCP_HTTP_TRANSPORT: kind },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.stop();
    await sampler?.stop();
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

  it("relays a server's question to the client whose call asked it, while others are in flight", async () => {
    // Two clients share the gateway's one connection to the upstream. A's call asks its
    // question later, while B's call (made after A's) is still running.
    const clients = await samplingClients(gateway.url, ['A', 'B']);
    const [a, b] = clients;
    try {
      const first = askLater(a, 'a', 400);
      await new Promise((r) => setTimeout(r, 100));
      const second = askLater(b, 'b', 800);
      expect([textOf(await first), textOf(await second)]).toEqual([
        'a: answered by A',
        'b: answered by B',
      ]);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
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

describe('a server question over stdio while several clients call', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { ask: { command: 'node', args: [DELAYED_SAMPLING_SERVER] } },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is refused rather than asked of a client that may not be the caller', async () => {
    const clients = await samplingClients(gateway.url, ['A', 'B']);
    const [a, b] = clients;
    try {
      // A's question comes while B's later call runs: stdio cannot say whose it is.
      const first = askLater(a, 'a', 500);
      await new Promise((r) => setTimeout(r, 100));
      const second = askLater(b, 'b', 1200);
      const [atA, atB] = [textOf(await first), textOf(await second)];
      expect(atA).not.toContain('answered by B');
      expect(atA).toContain('calls of several clients are running on this connection');
      // B's question comes when B's is the only call in flight: it is B's.
      expect(atB).toBe('b: answered by B');
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});

describe('MCP_HTTP_TRANSPORT validation', () => {
  it('refuses an unknown value at start, naming the variable', async () => {
    await expect(startGateway({ env: { MCP_HTTP_TRANSPORT: 'fast' } })).rejects.toThrow(
      /MCP_HTTP_TRANSPORT/,
    );
  });
});
