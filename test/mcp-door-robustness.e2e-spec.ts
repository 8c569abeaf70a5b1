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
import { demoStdioSpec } from './helpers/paths.js';
import { waitFor } from './helpers/processes.js';
import { RawMcp, type JsonRpcMessage, type McpAnswer } from './helpers/security.js';
import { mintSessionId, readSessionId } from '../src/mcp/server/session-token.js';
import { ANONYMOUS_ADMIN } from '../src/auth/scopes.js';

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

describe('JSON-RPC answers to bodies that are JSON but not a message the doors take', () => {
  let gateway: TestGateway;
  let raw: RawMcp;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
    raw = new RawMcp(gateway.url);
    await raw.initialize();
  });

  afterAll(async () => {
    await raw?.close();
    await gateway?.close();
  });

  /** The one JSON-RPC error of an answer, with its HTTP status and content type. */
  function errorOf(answer: McpAnswer) {
    expect(answer.messages).toHaveLength(1);
    const [message] = answer.messages;
    return {
      status: answer.status,
      type: answer.headers.get('content-type'),
      id: message.id,
      code: message.error?.code,
      message: message.error?.message,
    };
  }

  /** An initialize refused as bad params: -32602 with its own id, and no session opened. */
  function expectInitializeRefused(answer: McpAnswer, id: string, message: unknown): void {
    expect(answer.headers.get('mcp-session-id')).toBeNull();
    expect(errorOf(answer)).toEqual({
      status: 400,
      type: expect.stringContaining('application/json'),
      id,
      code: -32602,
      message,
    });
  }

  it.each([
    ['an empty batch', '[]', 'Invalid Request: the batch is empty'],
    [
      'a null id',
      '{"jsonrpc":"2.0","id":null,"method":"ping"}',
      'Invalid Request: id must be a string or an integer, not null',
    ],
    [
      'an id past 2^53',
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
      'Invalid Request: id is an integer outside ±(2^53 - 1)',
    ],
    [
      'a member JSON-RPC does not have',
      '{"jsonrpc":"2.0","id":5,"method":"tools/list","extra":1}',
      'Invalid Request: "extra" is not a member of a JSON-RPC 2.0 message (jsonrpc, id, method, params, result, error)',
    ],
    [
      'a null id in a batch',
      '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":null,"method":"ping"}]',
      'Invalid Request: message 2 of the batch: id must be a string or an integer, not null',
    ],
  ])('POST /mcp with %s: 400, -32600 saying so', async (_label, body, says) => {
    const answer = errorOf(await raw.post(body));
    expect(answer).toEqual({
      status: 400,
      type: expect.stringContaining('application/json'),
      id: null,
      code: -32600,
      message: expect.stringContaining(says),
    });
    // The session is none the worse.
    expect((await raw.request('ping')).message?.result).toEqual({});
  });

  it.each([
    ['an array', []],
    ['a string', 'x'],
    ['null', null],
  ])(
    'POST /mcp with a request whose params are %s: -32602 with its id, as any bad params',
    async (shown, params) => {
      const answer = await raw.post({ jsonrpc: '2.0', id: 'p-1', method: 'tools/list', params });
      expect(errorOf(answer)).toEqual({
        status: 200,
        type: expect.stringContaining('text/event-stream'),
        id: 'p-1',
        code: -32602,
        message: `Invalid params for tools/list: params must be an object, not ${shown}`,
      });
    },
  );

  it('POST /mcp with a request whose _meta the envelope refuses: -32602 with its id, naming it', async () => {
    const answer = await raw.post({
      jsonrpc: '2.0',
      id: 'm-1',
      method: 'tools/call',
      params: { name: 'demo__echo', arguments: { message: 'hi' }, _meta: { progressToken: {} } },
    });
    expect(errorOf(answer)).toEqual({
      status: 200,
      type: expect.stringContaining('text/event-stream'),
      id: 'm-1',
      code: -32602,
      message: expect.stringMatching(/^Invalid params for tools\/call: _meta\.progressToken: /),
    });
  });

  it('POST /mcp with such a request in a batch: the others run, and a notification gets nothing', async () => {
    const answer = await raw.post([
      { jsonrpc: '2.0', id: 'b-1', method: 'ping' },
      { jsonrpc: '2.0', id: 'b-2', method: 'prompts/list', params: [1] },
      { jsonrpc: '2.0', method: 'notifications/initialized', params: [] },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.messages).toHaveLength(2);
    expect(answer.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'b-1', result: {} }),
        expect.objectContaining({ id: 'b-2', error: expect.objectContaining({ code: -32602 }) }),
      ]),
    );
    const alone = await raw.post({
      jsonrpc: '2.0',
      method: 'notifications/initialized',
      params: 1,
    });
    expect({ status: alone.status, text: alone.text }).toEqual({ status: 202, text: '' });
  });

  it('POST /mcp with an initialize too large to fit a session id: 400, -32602 with its id, no session', async () => {
    const initialize = (name: string) => ({
      jsonrpc: '2.0',
      id: 'init-big',
      method: 'initialize',
      params: {
        protocolVersion: RawMcp.PROTOCOL,
        capabilities: {},
        clientInfo: { name, version: '1' },
      },
    });
    const big = await new RawMcp(gateway.url).post(initialize('x'.repeat(20_000)));
    expectInitializeRefused(
      big,
      'init-big',
      expect.stringMatching(/^initialize params too large: .* over the 4096 allowed/),
    );
    // At the edge: the longest name whose id fits opens a session that reads back; the next
    // one that makes a longer id is refused.
    const idFor = (length: number) =>
      mintSessionId(initialize('y'.repeat(length)).params, ANONYMOUS_ADMIN.keyId).length;
    let longest = 2_000;
    while (idFor(longest + 1) <= 4096) longest++;
    const fits = new RawMcp(gateway.url);
    const opened = await fits.post(initialize('y'.repeat(longest)));
    expect(opened.status).toBe(200);
    fits.sessionId = opened.headers.get('mcp-session-id')!;
    expect(readSessionId(fits.sessionId)).toBeDefined();
    expect((await fits.request('tools/list')).status).toBe(200);
    const over = await new RawMcp(gateway.url).post(initialize('y'.repeat(longest + 1)));
    expectInitializeRefused(over, 'init-big', expect.stringContaining('over the 4096 allowed'));
  });

  it('POST /mcp with an initialize whose params are an array: 400, -32602 with its id, no session', async () => {
    const fresh = new RawMcp(gateway.url);
    const answer = await fresh.post({
      jsonrpc: '2.0',
      id: 'init-2',
      method: 'initialize',
      params: [],
    });
    expectInitializeRefused(
      answer,
      'init-2',
      'Invalid params for initialize: params must be an object, not an array',
    );
  });

  it.each([
    [
      'without a name',
      { arguments: {} },
      'name: Invalid input: expected string, received undefined',
    ],
    [
      'with a number for a name',
      { name: 7 },
      'name: Invalid input: expected string, received number',
    ],
  ])('tools/call %s: -32602 in one line naming the problem', async (_label, params, says) => {
    const answer = await raw.request('tools/call', params);
    expect(answer.message?.error).toEqual({
      code: -32602,
      message: `Invalid params for tools/call: ${says}`,
    });
  });

  it.each(['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list'])(
    '%s with a cursor the gateway never issued: -32602 naming it, not the first page again',
    async (method) => {
      // Every list is served whole (no nextCursor), so no cursor is one of the gateway's.
      const answer = await raw.request(method, { cursor: 'page-2' });
      expect(answer.message?.error).toEqual({
        code: -32602,
        message: expect.stringContaining(`unknown cursor "page-2"`),
      });
      expect((await raw.request(method, {})).message?.result).toBeDefined();
    },
  );

  it('POST /mcp with an initialize without clientInfo: 400, -32602 naming it, no session', async () => {
    const fresh = new RawMcp(gateway.url);
    const answer = await fresh.post({
      jsonrpc: '2.0',
      id: 'init-1',
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {} },
    });
    expectInitializeRefused(
      answer,
      'init-1',
      expect.stringMatching(/^Invalid params for initialize: clientInfo: /),
    );
  });

  describe('POST /messages (HTTP+SSE)', () => {
    let stream: AbortController;
    let endpoint: string;
    let events: string;

    beforeAll(async () => {
      stream = new AbortController();
      const res = await fetch(`${gateway.url}/sse`, { signal: stream.signal });
      const reader = res.body!.getReader();
      events = '';
      const decoder = new TextDecoder();
      void (async () => {
        for (;;) {
          const { value, done } = await reader
            .read()
            .catch(() => ({ value: undefined, done: true }));
          if (done) return;
          events += decoder.decode(value);
        }
      })();
      expect(await waitFor(() => /event: endpoint\ndata: (\S+)/.test(events))).toBe(true);
      endpoint = /event: endpoint\ndata: (\S+)/.exec(events)![1];
    });

    afterAll(() => stream?.abort());

    it.each([
      [
        'a batch',
        '[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
        'Invalid Request: a batch (JSON array) is not accepted on /messages; send one message per POST',
      ],
      [
        'a null id',
        '{"jsonrpc":"2.0","id":null,"method":"ping"}',
        'Invalid Request: id must be a string or an integer, not null',
      ],
    ])(
      'answers %s with a JSON-RPC error naming the problem, not plain text',
      async (_l, body, says) => {
        const res = await gateway.postRaw(endpoint, body);
        expect({
          status: res.status,
          type: res.headers.get('content-type'),
          body: res.body,
        }).toEqual({
          status: 400,
          type: expect.stringContaining('application/json'),
          body: { jsonrpc: '2.0', id: null, error: { code: -32600, message: says } },
        });
      },
    );

    it('answers a request whose params are not an object -32602 with its id, on the stream', async () => {
      const res = await gateway.post(endpoint, {
        jsonrpc: '2.0',
        id: 'sse-params',
        method: 'tools/list',
        params: [],
      });
      expect(res.status).toBe(202);
      expect(await waitFor(() => events.includes('"sse-params"'))).toBe(true);
      const answer = events
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => JSON.parse(line.slice(6)) as JsonRpcMessage)
        .find((m) => m.id === 'sse-params');
      expect(answer?.error).toEqual({
        code: -32602,
        message: 'Invalid params for tools/list: params must be an object, not an array',
      });
    });

    it('answers an initialize without clientInfo -32602 naming it, on the stream', async () => {
      const res = await gateway.post(endpoint, {
        jsonrpc: '2.0',
        id: 'sse-init',
        method: 'initialize',
        params: { protocolVersion: '2024-11-05', capabilities: {} },
      });
      expect(res.status).toBe(202);
      expect(await waitFor(() => events.includes('"sse-init"'))).toBe(true);
      const answer = events
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => JSON.parse(line.slice(6)) as JsonRpcMessage)
        .find((m) => m.id === 'sse-init');
      expect(answer?.error).toMatchObject({
        code: -32602,
        message: expect.stringMatching(/^Invalid params for initialize: clientInfo: /),
      });
    });
  });
});
