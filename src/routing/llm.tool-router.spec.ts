import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MemoryEmbeddingCache } from './embeddings/embedding-cache.js';
import { LexicalToolRouter } from './lexical.tool-router.js';
import { DEMO_TOOLS, FakeCatalog, tool } from './testing/fake-catalog.js';
import {
  chatReply,
  fakeModelSettings,
  startFakeOpenAi,
  type FakeOpenAiServer,
} from './testing/fake-openai-server.js';
import { createToolRouter } from './tool-router.factory.js';
import type { ToolRouter } from './tool-router.js';

/** The candidate number the prompt gives a tool, read back from the user message. */
function candidateNumber(prompt: string, name: string): number {
  const match = new RegExp(`^(\\d+)\\. ${name}:`, 'm').exec(prompt);
  if (!match) throw new Error(`${name} is not among the candidates`);
  return Number(match[1]);
}

describe('LlmToolRouter against a fake OpenAI-compatible server', () => {
  let fake: FakeOpenAiServer;
  let lexical: LexicalToolRouter;
  let router: ToolRouter;
  let demo: FakeCatalog;
  // Lexically the time tool wins ("time" in its name); the model knows the user wants echo.
  const query = 'say back the time message';

  const settings = (baseUrl: string, modelTimeoutMs?: number) =>
    fakeModelSettings('llm', baseUrl, modelTimeoutMs);

  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    lexical = new LexicalToolRouter();
    router = createToolRouter(settings(fake.baseUrl), lexical, () => new MemoryEmbeddingCache());
    demo = new FakeCatalog({ demo: DEMO_TOOLS });
  });

  const lexicalOrder = () => lexical.rank(demo.catalog, { query, limit: 5 }).map((h) => h.name);

  it('puts the model picks first, with its reasons, then the rest of the shortlist', async () => {
    expect(lexicalOrder()[0]).toBe('demo__time');
    fake.handlers = {
      chat: ([, prompt]) =>
        chatReply(
          JSON.stringify({
            tools: [{ id: candidateNumber(prompt, 'demo__echo'), reason: 'Repeats a message.' }],
          }),
        ),
    };
    const result = await router.route(demo.catalog, { query, limit: 5 });
    expect(result.strategy).toBe('llm');
    expect(result.hits[0]).toMatchObject({ name: 'demo__echo', reasoning: 'Repeats a message.' });
    expect(result.hits.slice(1).map((h) => h.name)).toEqual(
      lexicalOrder().filter((n) => n !== 'demo__echo'),
    );
    expect(result.hits[0].score).toBeGreaterThan(result.hits[1].score);
  });

  it('sends the query and a bounded shortlist, not the catalog', async () => {
    const many = Array.from({ length: 60 }, (_, i) => tool(`message_tool_${i}`, 'Sends a message'));
    const big = new FakeCatalog({ big: many });
    fake.handlers = { chat: () => chatReply('{"tools": [{"id": 1, "reason": "first"}]}') };
    const result = await router.route(big.catalog, { query: 'send a message', limit: 5 });
    expect(result.strategy).toBe('llm');
    const request = fake.requests.find((r) => r.path === '/v1/chat/completions');
    expect(request?.body.model).toBe('fake-chat');
    const prompt = (request?.body.messages as { content: string }[])[1].content;
    expect(prompt).toContain('"send a message"');
    expect(prompt.match(/^\d+\. /gm)).toHaveLength(25);
  });

  it('accepts an answer wrapped in a Markdown fence and skips unknown ids', async () => {
    fake.handlers = {
      chat: ([, prompt]) =>
        chatReply(
          '```json\n' +
            JSON.stringify({
              tools: [{ id: 99 }, { id: candidateNumber(prompt, 'demo__echo'), reason: 'ok' }],
            }) +
            '\n```',
        ),
    };
    const result = await router.route(demo.catalog, { query, limit: 2 });
    expect(result.strategy).toBe('llm');
    expect(result.hits.map((h) => h.name)[0]).toBe('demo__echo');
    expect(result.hits).toHaveLength(2);
  });

  describe('falls back to the shortlist ranking and says why', () => {
    const expectShortlist = (hits: { name: string }[]) =>
      expect(hits.map((h) => h.name)).toEqual(lexicalOrder().slice(0, 3));

    it('on a 500', async () => {
      fake.handlers = { chat: () => ({ kind: 'status', status: 500 }) };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (llm fallback: HTTP 500)');
      expectShortlist(result.hits);
    });

    it('on a timeout', async () => {
      fake.handlers = { chat: () => ({ kind: 'hang' }) };
      const impatient = createToolRouter(settings(fake.baseUrl, 200), lexical, () => {
        throw new Error('the llm strategy needs no embedding cache');
      });
      const result = await impatient.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (llm fallback: timeout)');
      expectShortlist(result.hits);
    });

    it('on an answer that is not JSON', async () => {
      fake.handlers = { chat: () => chatReply('The best tool is echo.') };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (llm fallback: malformed answer)');
      expectShortlist(result.hits);
    });

    it('on JSON that names no candidate', async () => {
      fake.handlers = { chat: () => chatReply('{"tools": [{"id": "zero"}, {"id": 42}]}') };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (llm fallback: malformed answer)');
      expectShortlist(result.hits);
    });

    it('on a response body that is not JSON', async () => {
      fake.handlers = { chat: () => ({ kind: 'raw', text: '<html>proxy error' }) };
      const result = await router.route(demo.catalog, { query, limit: 3 });
      expect(result.strategy).toBe('lexical (llm fallback: malformed answer)');
      expectShortlist(result.hits);
    });
  });

  it('does not call the model when nothing matches', async () => {
    fake.handlers = { chat: () => chatReply('{"tools": []}') };
    const result = await router.route(demo.catalog, { query: 'zzzz qqqq', limit: 3 });
    expect(result).toEqual({ hits: [], strategy: 'lexical' });
    expect(fake.requests).toHaveLength(0);
  });
});
