import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MemoryEmbeddingCache } from './embeddings/embedding-cache.js';
import { LexicalToolRouter } from './lexical.tool-router.js';
import { conceptVector } from './testing/concept-embeddings.js';
import { DEMO_TOOLS, FakeCatalog } from './testing/fake-catalog.js';
import {
  embeddingsReply,
  fakeModelSettings,
  startFakeOpenAi,
  type FakeOpenAiServer,
} from './testing/fake-openai-server.js';
import { createToolRouter } from './tool-router.factory.js';
import type { ToolRouter } from './tool-router.js';

describe('HybridToolRouter against a fake OpenAI-compatible server', () => {
  let fake: FakeOpenAiServer;
  let lexical: LexicalToolRouter;
  let cache: MemoryEmbeddingCache;
  let router: ToolRouter;
  let demo: FakeCatalog;

  const settings = (baseUrl: string, modelTimeoutMs?: number) =>
    fakeModelSettings('hybrid', baseUrl, modelTimeoutMs);
  const embedOk = (inputs: string[]) => embeddingsReply(inputs.map(conceptVector));

  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.handlers = { embeddings: embedOk };
    lexical = new LexicalToolRouter();
    cache = new MemoryEmbeddingCache();
    router = createToolRouter(settings(fake.baseUrl), lexical, () => cache);
    demo = new FakeCatalog({ demo: DEMO_TOOLS });
  });

  it('finds a tool by meaning when no query word is in the catalog', async () => {
    const query = 'what hour does the clock show';
    expect(lexical.rank(demo.catalog, { query, limit: 5 })).toEqual([]);
    const result = await router.route(demo.catalog, { query, limit: 3 });
    expect(result.strategy).toBe('hybrid');
    expect(result.hits[0].name).toBe('demo__time');
    expect(result.hits[0].reasoning).toMatch(/semantic similarity/);
  });

  it('keeps lexical evidence in the fused ranking and its reasoning', async () => {
    const result = await router.route(demo.catalog, { query: 'evaluate arithmetic', limit: 3 });
    expect(result.strategy).toBe('hybrid');
    expect(result.hits[0].name).toBe('demo__calculator');
    expect(result.hits[0].reasoning).toMatch(/'arithmetic' in description/);
    expect(result.hits[0].score).toBeGreaterThan(result.hits[1].score);
  });

  it('respects the servers filter on the semantic side too', async () => {
    const both = new FakeCatalog({ demo: DEMO_TOOLS, other: DEMO_TOOLS });
    const result = await router.route(both.catalog, {
      query: 'what hour does the clock show',
      limit: 10,
      servers: new Set(['other']),
    });
    expect(result.hits.length).toBeGreaterThan(0);
    expect(result.hits.every((h) => h.name.startsWith('other__'))).toBe(true);
  });

  it('embeds the catalog once in a batch, and a new catalog of the same tools not at all', async () => {
    await router.route(demo.catalog, { query: 'clock', limit: 3 });
    await router.route(demo.catalog, { query: 'math', limit: 3 });
    const toolBatches = fake.requests.filter((r) => (r.body.input as string[]).length === 3);
    expect(toolBatches).toHaveLength(1);
    const before = fake.requests.length;
    const again = new FakeCatalog({ demo: DEMO_TOOLS });
    await router.route(again.catalog, { query: 'clock', limit: 3 });
    // Only the query went out: the tool vectors came from the cache.
    expect(fake.requests.length - before).toBe(1);
    expect(fake.requests.at(-1)?.body.input).toEqual(['clock']);
  });

  it('re-embeds only the tool that changed', async () => {
    await router.route(demo.catalog, { query: 'clock', limit: 3 });
    fake.requests.length = 0;
    demo.setServer('demo', [
      ...DEMO_TOOLS.slice(0, 2),
      { ...DEMO_TOOLS[2], description: 'Repeats a message back' },
    ]);
    await router.route(demo.catalog, { query: 'parrot', limit: 3 });
    const inputs = fake.requests.map((r) => r.body.input as string[]);
    expect(inputs).toContainEqual([expect.stringContaining('Repeats a message back')]);
    expect(inputs.flat().some((text) => text.includes('arithmetic expression'))).toBe(false);
  });

  it('sends queries that arrive together in one request', async () => {
    await router.route(demo.catalog, { query: 'warm up', limit: 1 });
    fake.requests.length = 0;
    await Promise.all([
      router.route(demo.catalog, { query: 'clock', limit: 1 }),
      router.route(demo.catalog, { query: 'math', limit: 1 }),
    ]);
    expect(fake.requests.map((r) => r.body.input)).toEqual([['clock', 'math']]);
  });

  describe('falls back to the lexical ranking and says why', () => {
    const query = 'evaluate arithmetic expression';
    const expectLexical = (hits: { name: string }[]) => {
      expect(hits.map((h) => h.name)).toEqual(
        lexical.rank(demo.catalog, { query, limit: 3 }).map((h) => h.name),
      );
      expect(hits[0].name).toBe('demo__calculator');
    };

    it('on a 500', async () => {
      fake.handlers = { embeddings: () => ({ kind: 'status', status: 500 }) };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (hybrid fallback: HTTP 500)');
      expect(result.fallback).toEqual({
        failed: 'hybrid',
        reason: 'HTTP 500',
        answeredWith: 'lexical',
      });
      expectLexical(result.hits);
    });

    it('on a timeout', async () => {
      fake.handlers = { embeddings: () => ({ kind: 'hang' }) };
      const impatient = createToolRouter(settings(fake.baseUrl, 200), lexical, () => cache);
      const result = await impatient.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (hybrid fallback: timeout)');
      expectLexical(result.hits);
    });

    it('on a body that is not JSON', async () => {
      fake.handlers = { embeddings: () => ({ kind: 'raw', text: '{"data": [oops' }) };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (hybrid fallback: malformed answer)');
      expectLexical(result.hits);
    });

    it('on JSON of the wrong shape', async () => {
      fake.handlers = { embeddings: () => embeddingsReply([[1, 0]]) };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (hybrid fallback: malformed answer)');
      expectLexical(result.hits);
    });

    it('and recovers once the endpoint answers again', async () => {
      fake.handlers = { embeddings: () => ({ kind: 'status', status: 503 }) };
      expect((await router.route(demo.catalog, { query, limit: 3 })).strategy).toMatch(/fallback/);
      fake.handlers = { embeddings: embedOk };
      expect((await router.route(demo.catalog, { query, limit: 3 })).strategy).toBe('hybrid');
    });
  });
});
