import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

const RUNS = 150;

/** JSON-ish values, including the shapes each body expects with wrong types mixed in. */
const anyJson = fc.jsonValue({ maxDepth: 4 });
/** Objects keyed by names every object inherits, at any depth a typed field may hold them. */
const memberKeyed = fc.letrec((tie) => ({
  node: fc.dictionary(
    fc.constantFrom('constructor', 'prototype', 'toString', 'valueOf', 'x'),
    fc.oneof({ depthSize: 'small' }, anyJson, tie('node'), fc.array(tie('node'), { maxLength: 2 })),
    { minKeys: 1, maxKeys: 3 },
  ),
})).node;
const field = fc.oneof(
  anyJson,
  memberKeyed,
  fc.array(memberKeyed, { maxLength: 2 }),
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
);

const bodies: Record<string, fc.Arbitrary<unknown>> = {
  '/mcp/execute': fc.oneof(
    anyJson,
    fc.record({ tool_name: field, args: field, timeout_ms: field }, { requiredKeys: [] }),
    fc.record({
      tool_name: fc.constantFrom('demo__echo', 'echo', 'demo__calculator', 'demo__time'),
      args: fc.dictionary(fc.string(), anyJson),
    }),
  ),
  '/tool': fc.oneof(anyJson, fc.record({ name: field, arguments: field }, { requiredKeys: [] })),
  '/mcp/servers/add': fc.oneof(
    anyJson,
    fc.record({ config_data: field, config: field }, { requiredKeys: [] }),
    fc.record({ config: fc.record({ mcpServers: fc.dictionary(fc.string(), anyJson) }) }),
  ),
  '/add-server': fc.oneof(anyJson, fc.record({ mcpServers: fc.dictionary(fc.string(), anyJson) })),
  '/mcp/servers/remove': fc.oneof(
    anyJson,
    fc.record({ server_uuid: field, server_name: field }, { requiredKeys: [] }),
  ),
  '/sessions/create': fc.oneof(anyJson, fc.record({ metadata: field }, { requiredKeys: [] })),
  '/mcp/search': fc.oneof(
    anyJson,
    fc.record({ query: field, limit: field, servers: field }, { requiredKeys: [] }),
  ),
};

describe('fuzzing the REST door: random and malformed input never yields a 5xx', () => {
  let gateway: TestGateway;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    gateway = await startGateway({
      // Shared, so the sessions the fuzzer creates do not each start a process.
      servers: { demo: { ...demoStdioSpec(), shared: true } },
      env: { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_TOOL_PER_MINUTE: '0', SESSION_MAX: '100000' },
    });
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gateway?.close();
  });

  const post = async (path: string, raw: string) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    const text = await res.text();
    return { status: res.status, text };
  };

  for (const [path, arbitrary] of Object.entries(bodies)) {
    it(`POST ${path}: ${RUNS} random bodies`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (body) => {
          const { status, text } = await post(path, JSON.stringify(body) ?? 'null');
          // A 502/504 is an upstream's answer, not a gateway failure; anything else 5xx is a bug.
          expect([500, 501, 503]).not.toContain(status);
          if (status >= 400)
            expect(JSON.parse(text)).toMatchObject({
              statusCode: status,
              message: expect.any(String),
            });
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('survives bytes that are not JSON at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (raw) => {
        const { status } = await post('/mcp/execute', raw);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  });

  it('raised no unhandled rejection and still serves', async () => {
    expect(unhandled).toEqual([]);
    expect((await gateway.get('/health')).status).toBe(200);
  });
});
