import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ErrorCode, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { startHttpMcpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import {
  CONFORMANCE_SERVER,
  connectStreamableHttp,
  DELAYED_SAMPLING_SERVER,
  textOf,
} from './helpers/mcp-clients.js';
import { RawMcp } from './helpers/security.js';

/** An SDK client declaring only `capabilities`, noting every request the gateway sends it. */
function clientDeclaring(capabilities: ClientCapabilities) {
  const client = new Client({ name: 'robustness-e2e', version: '1' }, { capabilities });
  const asked: string[] = [];
  // Answers as a client without the feature does, so the old relay fails fast, not by hanging.
  client.fallbackRequestHandler = (request) => {
    asked.push(request.method);
    return Promise.reject(new McpError(ErrorCode.MethodNotFound, 'Method not found'));
  };
  return { client, asked };
}

describe('sampling and elicitation for a client that did not declare them', () => {
  let sampler: RunningHttpServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    sampler = await startHttpMcpServer(DELAYED_SAMPLING_SERVER, ['--http', '0'], 'sampler');
    gateway = await startGateway({
      servers: {
        ask: { url: sampler.url },
        conf: { command: 'node', args: [CONFORMANCE_SERVER] },
      },
      // Were the question relayed to a client that never answers, the call ends here, failed.
      env: { TOOL_CALL_TIMEOUT_MS: '5000' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await sampler?.stop();
  });

  it('refuses sampling to the upstream server at once, so the tool call completes with its answer', async () => {
    // A plain HTTP client (capabilities: {}) that would never answer a request on its stream.
    const raw = new RawMcp(gateway.url);
    await raw.initialize();
    try {
      const answer = await raw.post({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'ask__ask_later', arguments: { label: 'q', delay_ms: 0 } },
      });
      expect(answer.messages.map((m) => m.method).filter(Boolean)).toEqual([]);
      const result = answer.messages.find((m) => m.id === 7)?.result;
      expect(result?.isError).toBe(true);
      // The fixture's own failure text: the refusal reached the upstream server as its answer.
      expect(textOf(result)).toContain(
        'sampling/createMessage cannot be relayed: the calling client did not declare the sampling capability',
      );
    } finally {
      await raw.close();
    }
  });

  it('refuses elicitation over the SSE door to a client that declared only sampling', async () => {
    const { client, asked } = clientDeclaring({ sampling: {} });
    await client.connect(new SSEClientTransport(new URL(`${gateway.url}/sse`)));
    try {
      const result = await client.callTool({
        name: 'conf__test_elicitation',
        arguments: { message: 'who are you?' },
      });
      expect(asked).toEqual([]);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(
        'elicitation/create cannot be relayed: the calling client did not declare the elicitation capability',
      );
    } finally {
      await client.close();
    }
  });

  it('still relays to a client that declared the capability, over the same door', async () => {
    const { client, asked } = clientDeclaring({ elicitation: {} });
    await connectStreamableHttp(gateway.url, {}, client);
    try {
      await client.callTool({
        name: 'conf__test_elicitation',
        arguments: { message: 'who are you?' },
      });
      expect(asked).toEqual(['elicitation/create']);
    } finally {
      await client.close();
    }
  });
});
