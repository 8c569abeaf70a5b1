import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { MCP_ACCEPT, RawMcp, type JsonRpcMessage } from './helpers/security.js';

const RUNS = 150;
const HUGE_RUNS = 15;

// JSON-RPC 2.0 and MCP codes. -32000/-32001 are the SDK transport's own (406, 415, session
// not found); -32002 is MCP's resource not found. -32603 (internal error) is never an answer to
// bad input.
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const ALLOWED_CODES = [
  PARSE_ERROR,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  INVALID_PARAMS,
  -32000,
  -32001,
  -32002,
];

/** The request methods the gateway's MCP server answers. */
const KNOWN_METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
];
const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/**
 * Without `__proto__` members: the door refuses those before reading the message (400, -32600;
 * http-contract.e2e-spec), so a property about what the message says would fail on them for
 * another reason, on the seeds that happen to make one.
 */
const anyJson = fc
  .jsonValue({ maxDepth: 3 })
  .filter((value) => !JSON.stringify(value).includes('"__proto__"'));
const validId = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.string({ maxLength: 20 }));
const oddId = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { minKeys: 0, maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);
const notObject = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const unknownMethod = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter(
    (m) => !KNOWN_METHODS.includes(m) && !m.startsWith('notifications/') && !m.startsWith('tasks/'),
  );

/** A params object that is certainly wrong for its method. */
const badParams: fc.Arbitrary<{ method: string; params: unknown }> = fc.oneof(
  fc
    .oneof(
      fc.record({ name: notString }),
      fc.record({ name: fc.constant('demo__echo'), arguments: notObject }),
      fc.constant({}),
    )
    .map((params) => ({ method: 'tools/call', params })),
  fc
    .tuple(
      fc.constantFrom('resources/read', 'resources/subscribe', 'resources/unsubscribe'),
      fc.oneof(fc.record({ uri: notString }), fc.constant({})),
    )
    .map(([method, params]) => ({ method, params })),
  fc
    .oneof(fc.record({ name: notString }), fc.constant({}))
    .map((params) => ({ method: 'prompts/get', params })),
  fc
    .oneof(
      fc.record({ level: fc.string().filter((l) => !LOG_LEVELS.includes(l)) }),
      fc.record({ level: notString }),
      fc.constant({}),
    )
    .map((params) => ({ method: 'logging/setLevel', params })),
  fc
    .oneof(fc.constant({}), fc.record({ ref: notObject, argument: anyJson }))
    .map((params) => ({ method: 'completion/complete', params })),
  fc
    .tuple(
      fc.constantFrom('tools/list', 'resources/list', 'prompts/list', 'resources/templates/list'),
      notString,
    )
    .map(([method, cursor]) => ({ method, params: { cursor } })),
);

/** Params MCP cannot take: JSON-RPC allows positional (array) params, MCP's methods take objects. */
const notObjectParams = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
);

/** An envelope that breaks JSON-RPC itself: version or id type. */
const badEnvelope = fc.oneof(
  fc.record({
    jsonrpc: fc.oneof(fc.constantFrom('1.0', '2', '', 2, null)),
    id: validId,
    method: fc.constantFrom(...KNOWN_METHODS),
  }),
  fc.record({ id: validId, method: fc.constantFrom(...KNOWN_METHODS) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: oddId, method: fc.constantFrom(...KNOWN_METHODS) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: validId, method: notString }),
);

/** Anything shaped like a message, valid or not. */
const looseMessage = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), anyJson),
    id: fc.oneof(validId, oddId),
    method: fc.oneof(fc.constantFrom(...KNOWN_METHODS), fc.string({ maxLength: 30 })),
    params: anyJson,
    result: anyJson,
    error: anyJson,
  },
  { requiredKeys: [] },
);
const validMessage = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), id: validId, method: fc.constant('ping') }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: validId, method: fc.constant('tools/list') }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: validId, method: unknownMethod }),
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('notifications/initialized') }),
);

const errorsOf = (messages: JsonRpcMessage[]) =>
  messages.filter((m) => m.jsonrpc === '2.0' && m.error).map((m) => m.error!.code);

/**
 * The JSON body parser answers before the MCP transport sees a request: a body that is not a
 * JSON object or array, or one past MAX_BODY_BYTES, gets the REST error body. Anything else
 * on /mcp is JSON-RPC.
 */
function isBodyParserAnswer(status: number, text: string): boolean {
  try {
    const body = JSON.parse(text) as { statusCode?: number; code?: string };
    return (
      body.statusCode === status &&
      ((status === 400 && body.code === 'INVALID_REQUEST') ||
        (status === 413 && body.code === 'PAYLOAD_TOO_LARGE'))
    );
  } catch {
    return false;
  }
}

describe('fuzzing the MCP door (/mcp): malformed JSON-RPC never yields a 5xx or a wrong code', () => {
  let gateway: TestGateway;
  let session: RawMcp;
  let runs = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    gateway = await startGateway({
      servers: { demo: { ...demoStdioSpec(), shared: true } },
      env: { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_TOOL_PER_MINUTE: '0' },
    });
    session = new RawMcp(gateway.url);
    expect((await session.initialize()).status).toBe(200);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.stdout.write(`fuzz-mcp: ${runs} generated requests to /mcp\n`);
    await session?.close();
    await gateway?.close();
  });

  /** Sends in the open MCP session, or without one; checks what every answer must satisfy. */
  const send = async (body: unknown, inSession: boolean, extra: Record<string, string> = {}) => {
    runs += 1;
    const client = inSession ? session : new RawMcp(gateway.url);
    const answer = await client.post(body, extra);
    expect(answer.status).toBeLessThan(500);
    if (answer.status >= 400 && !isBodyParserAnswer(answer.status, answer.text)) {
      // Every other refusal is a JSON-RPC error, for a message unread (a null id) but for bad
      // params (an initialize's), whose request is named.
      expect(answer.messages).toEqual([expect.objectContaining({ jsonrpc: '2.0' })]);
      const [refusal] = answer.messages;
      if (refusal.error?.code !== INVALID_PARAMS) expect(refusal.id).toBeNull();
    }
    for (const code of errorsOf(answer.messages)) expect(ALLOWED_CODES).toContain(code);
    return answer;
  };

  it(`unknown methods: -32601 Method not found (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(validId, unknownMethod, fc.option(anyJson), async (id, method, params) => {
        const body = {
          jsonrpc: '2.0',
          id,
          method,
          ...(params && typeof params === 'object' && !Array.isArray(params) ? { params } : {}),
        };
        const answer = await send(body, true);
        expect(answer.status).toBe(200);
        expect(answer.messages).toEqual([
          expect.objectContaining({
            id,
            error: expect.objectContaining({ code: METHOD_NOT_FOUND }),
          }),
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it(`known methods with params of the wrong shape: -32602 Invalid params (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(validId, badParams, async (id, { method, params }) => {
        const answer = await send({ jsonrpc: '2.0', id, method, params }, true);
        expect(answer.status).toBe(200);
        expect(answer.messages).toEqual([
          expect.objectContaining({ id, error: expect.objectContaining({ code: INVALID_PARAMS }) }),
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it(`params that are not an object: -32602 with the request's id (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        validId,
        fc.constantFrom(...KNOWN_METHODS),
        notObjectParams,
        fc.boolean(),
        async (id, method, params, inSession) => {
          const answer = await send({ jsonrpc: '2.0', id, method, params }, inSession);
          // Outside a session only an initialize is read; anything else is refused for want of one.
          if (!inSession && method !== 'initialize') return expect(answer.status).toBe(400);
          expect(answer.status).toBe(inSession ? 200 : 400);
          expect(answer.messages).toEqual([
            expect.objectContaining({
              id,
              error: expect.objectContaining({ code: INVALID_PARAMS }),
            }),
          ]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`broken envelopes (version, id type): HTTP 400, -32700 or -32600 (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(badEnvelope, fc.boolean(), async (body, inSession) => {
        const answer = await send(body, inSession);
        expect(answer.status).toBe(400);
        const codes = errorsOf(answer.messages);
        expect(codes).toHaveLength(1);
        expect([PARSE_ERROR, INVALID_REQUEST]).toContain(codes[0]);
      }),
      { numRuns: RUNS },
    );
  });

  it(`batches of valid and invalid messages (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(validMessage, looseMessage, badEnvelope), { maxLength: 6 }),
        fc.boolean(),
        async (batch, inSession) => {
          await send(batch, inSession);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`any JSON value and loose message shapes, in and out of a session (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, looseMessage), fc.boolean(), async (body, inSession) => {
        await send(body ?? null, inSession);
      }),
      { numRuns: RUNS },
    );
  });

  it(`huge strings in names, ids, arguments and methods (${HUGE_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 50_000, max: 3_000_000 }),
        fc.constantFrom('message', 'name', 'id', 'method'),
        async (size, where) => {
          const big = 'x'.repeat(size);
          const body = {
            jsonrpc: '2.0',
            id: where === 'id' ? big : 1,
            method: where === 'method' ? big : 'tools/call',
            params: {
              name: where === 'name' ? big : 'demo__echo',
              arguments: { message: where === 'message' ? big : 'm' },
            },
          };
          const answer = await send(body, true);
          // Past the body limit (MAX_BODY_BYTES) the answer is 413; under it, a JSON-RPC answer.
          expect([200, 413]).toContain(answer.status);
        },
      ),
      { numRuns: HUGE_RUNS },
    );
  });

  it(`missing or partial Accept and Content-Type headers: 406/415, not 5xx (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(undefined, '', 'application/json', 'text/event-stream', '*/*', 'text/html'),
        fc.constantFrom(undefined, 'application/json', 'text/plain'),
        fc.oneof(
          validMessage,
          badParams.map((p) => ({ jsonrpc: '2.0', id: 1, ...p })),
        ),
        async (accept, contentType, body) => {
          const headers: Record<string, string> = { ...MCP_ACCEPT };
          if (accept === undefined) delete headers.accept;
          else headers.accept = accept;
          if (contentType === undefined) delete headers['content-type'];
          else headers['content-type'] = contentType;
          runs += 1;
          const res = await fetch(`${gateway.url}/mcp`, {
            method: 'POST',
            headers: {
              ...headers,
              'mcp-session-id': session.sessionId!,
              'mcp-protocol-version': '2025-11-25',
            },
            body: JSON.stringify(body),
          });
          const text = await res.text();
          expect(res.status).toBeLessThan(500);
          const acceptsBoth =
            accept !== undefined &&
            accept.includes('application/json') &&
            accept.includes('text/event-stream');
          if (!acceptsBoth && contentType === 'application/json') {
            expect(res.status).toBe(406);
            expect(JSON.parse(text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`bytes that are not JSON: HTTP 400, never a 5xx (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (raw) => {
        let valid = true;
        try {
          JSON.parse(raw);
        } catch {
          valid = false;
        }
        const answer = await send(raw, true);
        if (!valid) {
          // The REST error body today (see isBodyParserAnswer); -32700 if /mcp answers its own.
          expect(answer.status).toBe(400);
          expect(
            isBodyParserAnswer(400, answer.text) || errorsOf(answer.messages)[0] === PARSE_ERROR,
          ).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('raised no unhandled rejection, and the session and the gateway still serve', async () => {
    expect(unhandled).toEqual([]);
    const list = await session.request('tools/list');
    expect(list.status).toBe(200);
    expect(list.message?.result?.tools.map((t: { name: string }) => t.name)).toContain(
      'demo__echo',
    );
    const call = await session.callTool('demo__echo', { message: 'still here' });
    expect(call.message?.result?.content).toEqual([{ type: 'text', text: 'still here' }]);
    expect((await gateway.get('/health')).status).toBe(200);
    process.stdout.write(`fuzz-mcp: ${runs} generated requests so far\n`);
  });
});
