import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  chatReply,
  startFakeOpenAi,
  type FakeOpenAiServer,
} from '../src/routing/testing/fake-openai-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

describe('POST /mcp/search against the real demo server', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec(), mirror: demoStdioSpec() },
      env: { SEARCH_STRATEGY: 'auto' },
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('ranks the right tool first, with its catalog view, score and reasoning', async () => {
    const res = await gateway.post('/mcp/search', { query: 'what time is it in Tokyo', limit: 2 });
    expect(res.status).toBe(200);
    expect(res.body.query).toBe('what time is it in Tokyo');
    expect(res.body.strategy).toBe('lexical');
    expect(typeof res.body.took_ms).toBe('number');
    expect(res.body.tools).toHaveLength(2);
    const [first, second] = res.body.tools;
    expect(first.tool).toBe('time');
    expect(second.tool).toBe('time');
    expect(first).toMatchObject({ server: expect.any(String), description: expect.any(String) });
    expect(first.name).toBe(`${first.server}__time`);
    expect(first.input_schema.properties.timezone).toBeDefined();
    expect(first.score).toBeGreaterThan(0);
    expect(first.reasoning).toMatch(/'time' in name/);
  });

  it('defaults to 5 results and ranks an arithmetic need to the calculator', async () => {
    const res = await gateway.post('/mcp/search', { query: 'compute 2 * (3 + 4)' });
    expect(res.status).toBe(200);
    expect(res.body.tools.length).toBeLessThanOrEqual(5);
    const calc = await gateway.post('/mcp/search', { query: 'evaluate an arithmetic expression' });
    expect(calc.body.tools[0].tool).toBe('calculator');
  });

  it('keeps only the servers asked for', async () => {
    const res = await gateway.post('/mcp/search', {
      query: 'echo a message',
      limit: 10,
      servers: ['mirror'],
    });
    expect(res.status).toBe(200);
    expect(res.body.tools.length).toBeGreaterThan(0);
    expect(res.body.tools.every((t: { server: string }) => t.server === 'mirror')).toBe(true);
    expect(res.body.tools[0].name).toBe('mirror__echo');
    // A misspelt server is named, not answered with "no match".
    const none = await gateway.post('/mcp/search', {
      query: 'echo',
      servers: ['mirror', 'absent'],
    });
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('SERVER_NOT_FOUND');
    // An empty filter is a mistake, not a wish for nothing.
    const empty = await gateway.post('/mcp/search', { query: 'echo', servers: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('servers must name at least one server (leave it out for all)');
    expect(none.body.message).toContain("No server named 'absent' in this scope");
  });

  it('answers an empty list when nothing matches', async () => {
    const res = await gateway.post('/mcp/search', { query: 'zzzz qqqq' });
    expect(res.status).toBe(200);
    expect(res.body.tools).toEqual([]);
  });

  it.each([
    ['a missing query', { limit: 3 }],
    ['a blank query', { query: '   ' }],
    ['an empty query', { query: '' }],
    ['a query over 2000 characters', { query: 'x'.repeat(2001) }],
    ['a non-string query', { query: 42 }],
    ['limit 0', { query: 'time', limit: 0 }],
    ['limit 51', { query: 'time', limit: 51 }],
    ['a fractional limit', { query: 'time', limit: 2.5 }],
    ['a string limit', { query: 'time', limit: '5' }],
    ['servers that is not a list', { query: 'time', servers: 'demo' }],
    ['servers with a non-string', { query: 'time', servers: [1] }],
    ['an unknown field', { query: 'time', top_k: 3 }],
  ])('rejects %s with a 400', async (_, body) => {
    const res = await gateway.post('/mcp/search', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, request_id: expect.any(String) });
  });

  it('rejects malformed JSON with a 400', async () => {
    const res = await gateway.postRaw('/mcp/search', '{"query": ');
    expect(res.status).toBe(400);
  });

  it('answers 404 for an unknown session, never the global catalog', async () => {
    const res = await gateway.post(
      '/mcp/search',
      { query: 'time' },
      { 'X-Session-ID': 'sess_doesNotExist0000000000000' },
    );
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('SESSION_NOT_FOUND');
  });

  it('is in the OpenAPI document as searchTools', async () => {
    const res = await gateway.get('/docs-json');
    const operation = res.body.paths['/mcp/search'].post;
    expect(operation.operationId).toBe('searchTools');
    expect(JSON.stringify(operation.parameters)).toContain('X-Session-ID');
  });
});

describe('POST /mcp/search with the llm strategy and a fake model', () => {
  let gateway: TestGateway;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    fake = await startFakeOpenAi({
      chat: ([, prompt]) => {
        const echo = /^(\d+)\. demo__echo:/m.exec(prompt);
        return chatReply(
          JSON.stringify({ tools: [{ id: Number(echo?.[1]), reason: 'It repeats.' }] }),
        );
      },
    });
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: {
        SEARCH_STRATEGY: 'llm',
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: fake.baseUrl,
        SEARCH_MODEL_TIMEOUT_MS: '10000',
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it('answers with the model ranking and reasons', async () => {
    const res = await gateway.post('/mcp/search', { query: 'say back the time message', limit: 3 });
    expect(res.status).toBe(200);
    expect(res.body.strategy).toBe('llm');
    expect(res.body.tools[0]).toMatchObject({ name: 'demo__echo', reasoning: 'It repeats.' });
    expect(fake.requests.some((r) => r.path === '/v1/chat/completions')).toBe(true);
  });

  it('falls back to the lexical shortlist when the model fails', async () => {
    fake.handlers = { chat: () => ({ kind: 'status', status: 500 }) };
    const res = await gateway.post('/mcp/search', { query: 'what time is it', limit: 3 });
    expect(res.status).toBe(200);
    expect(res.body.strategy).toBe('lexical (llm fallback: HTTP 500)');
    expect(res.body.tools[0].name).toBe('demo__time');
  });
});
