import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { UpstreamTool } from '../mcp/upstream-client.js';
import { EmbeddingCache, MemoryEmbeddingCache } from './embeddings/embedding-cache.js';
import { embeddingKey, toolText } from './embeddings/tool-text.js';
import { LexicalToolRouter } from './lexical.tool-router.js';
import { conceptVector } from './testing/concept-embeddings.js';
import { DEMO_TOOLS, FakeCatalog, tool } from './testing/fake-catalog.js';
import {
  embeddingsReply,
  fakeModelSettings,
  startFakeOpenAi,
  type FakeOpenAiServer,
  type FakeReply,
} from './testing/fake-openai-server.js';
import { createToolRouter } from './tool-router.factory.js';
import type { RouteResult, ToolRouter } from './tool-router.js';

/** No cache at all: whatever is not re-embedded was kept in memory. */
class NoEmbeddingCache extends EmbeddingCache {
  getMany(keys: readonly string[]): Promise<undefined[]> {
    return Promise.resolve(keys.map(() => undefined));
  }
  setMany(): Promise<void> {
    return Promise.resolve();
  }
}

/** More tools than one embeddings request carries (128), so the fill takes several. */
const BIG_TOOLS: UpstreamTool[] = Array.from({ length: 300 }, (_, i) =>
  tool(`tool${i}`, `Tool number ${i}, about ${['time', 'math', 'messages'][i % 3]}`),
);

/** Polls (the fill runs in the background) until `done` holds; the jest timeout bounds it. */
async function eventually(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('HybridToolRouter tool vectors against a fake OpenAI-compatible server', () => {
  let fake: FakeOpenAiServer;
  let lexical: LexicalToolRouter;
  let cache: EmbeddingCache;
  let demo: FakeCatalog;
  let big: FakeCatalog;

  const settings = (baseUrl: string) => fakeModelSettings('hybrid', baseUrl);
  const embedOk = (inputs: string[]) => embeddingsReply(inputs.map(conceptVector));
  /** Catalog texts go out in batches, a query alone (and no query comes with a catalog). */
  const isCatalogBatch = (inputs: string[]) => inputs.length > 1;
  const catalogBatches = () =>
    fake.requests.map((r) => r.body.input as string[]).filter(isCatalogBatch);
  const routerWith = (store: EmbeddingCache): ToolRouter =>
    createToolRouter(settings(fake.baseUrl), lexical, () => store);
  const keysOf = (catalog: FakeCatalog) =>
    catalog.catalog.all().map((t) => embeddingKey('fake-embedding', toolText(t)));

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
    demo = new FakeCatalog({ demo: DEMO_TOOLS });
    big = new FakeCatalog({ big: BIG_TOOLS });
  });

  describe('dimensions', () => {
    const query = 'what hour does the clock show';
    /** The concept vector padded with zeros: same direction, another length. */
    const padded = (text: string, length: number) =>
      [...conceptVector(text), ...Array<number>(length).fill(0)].slice(0, length);

    it('falls back when the query vector has another dimension than the tools', async () => {
      fake.handlers = {
        embeddings: (inputs) =>
          embeddingsReply(inputs.map((t) => padded(t, isCatalogBatch(inputs) ? 64 : 32))),
      };
      const router = routerWith(cache);
      for (let i = 0; i < 2; i++) {
        const result = await router.route(demo.catalog, { query: 'evaluate arithmetic', limit: 3 });
        expect(result.strategy).toBe('lexical (hybrid fallback: dimension mismatch)');
        expect(result.hits[0].name).toBe('demo__calculator');
      }
      // The model gave the tools' vectors itself: re-embedding them would not mend it.
      expect(catalogBatches()).toHaveLength(1);
    });

    it('re-embeds cached vectors of another dimension than the model now returns', async () => {
      const keys = keysOf(demo);
      await cache.setMany(keys.map((key) => [key, new Float32Array(64).fill(0.125)] as const));
      const router = routerWith(cache);
      const first = await router.route(demo.catalog, { query, limit: 3 });
      // The cache looked complete; only the query's answer told that the model had changed.
      expect(first.strategy).toBe('lexical (hybrid fallback: dimension mismatch)');
      const second = await router.route(demo.catalog, { query, limit: 3 });
      expect(second.strategy).toBe('hybrid');
      expect(second.hits[0].name).toBe('demo__time');
      expect(catalogBatches()).toHaveLength(1);
      // Overwritten, not left to expire.
      const cached = await cache.getMany(keys);
      expect(cached.map((v) => v?.length)).toEqual([4, 4, 4]);
    });
  });

  describe('a catalog larger than one request', () => {
    const query = 'tool number 7';
    const route = (router: ToolRouter): Promise<RouteResult> =>
      router.route(big.catalog, { query, limit: 3 });
    const lexicalFirst = () => lexical.rank(big.catalog, { query, limit: 3 })[0].name;

    it('answers at once, lexically, while the vectors are built, keeping each batch', async () => {
      const held: (() => void)[] = [];
      let holding = true;
      let answered = 0;
      fake.handlers = {
        embeddings: (inputs) => {
          if (!isCatalogBatch(inputs) || !holding) return embedOk(inputs);
          return new Promise<FakeReply>((resolve) =>
            held.push(() => {
              answered++;
              resolve(embedOk(inputs));
            }),
          );
        },
      };
      const router = routerWith(cache);

      const during = await route(router);
      expect(answered).toBe(0);
      expect(during.strategy).toBe('lexical (hybrid fallback: tool vectors being built, 0 of 300)');
      // Not a failure: nothing for the log's fallback warnings.
      expect(during.fallback).toBeUndefined();
      expect(during.hits[0].name).toBe(lexicalFirst());

      await eventually(() => Promise.resolve(held.length === 1));
      held[0]();
      await eventually(async () => (await route(router)).strategy.includes('128 of 300'));
      // Kept in the cache as it came, not at the end of the fill.
      const cached = await cache.getMany(keysOf(big));
      expect(cached.filter(Boolean)).toHaveLength(128);
      expect(answered).toBe(1);

      holding = false;
      held.forEach((release) => release());
      await eventually(async () => (await route(router)).strategy === 'hybrid');
      expect(catalogBatches().map((inputs) => inputs.length)).toEqual([128, 128, 44]);
    });

    it('keeps the batches that succeeded when one fails, and resumes after them', async () => {
      let batches = 0;
      fake.handlers = {
        embeddings: (inputs) =>
          isCatalogBatch(inputs) && ++batches === 2
            ? { kind: 'status', status: 500 }
            : embedOk(inputs),
      };
      const router = routerWith(new NoEmbeddingCache());
      await eventually(async () => (await route(router)).strategy === 'hybrid');
      const [first, failed, ...resumed] = catalogBatches();
      expect([first, failed].map((inputs) => inputs.length)).toEqual([128, 128]);
      // The failed batch and the rest, and nothing of the batch that had succeeded.
      const rest = big.catalog.all().slice(256).map(toolText);
      expect(resumed.flat().sort()).toEqual([...failed, ...rest].sort());
      expect(resumed.flat().some((text) => first.includes(text))).toBe(false);
    });
  });

  it('embeds only the tool that changed, with no cache to fall back on', async () => {
    const router = routerWith(new NoEmbeddingCache());
    await router.route(demo.catalog, { query: 'clock', limit: 3 });
    fake.requests.length = 0;
    demo.setServer('demo', [
      ...DEMO_TOOLS.slice(0, 2),
      { ...DEMO_TOOLS[2], description: 'Repeats a message back' },
    ]);
    const result = await router.route(demo.catalog, { query: 'parrot', limit: 3 });
    expect(result.strategy).toBe('hybrid');
    expect(fake.requests.map((r) => r.body.input)).toEqual([
      [expect.stringContaining('Repeats a message back')],
      ['parrot'],
    ]);
  });
});
