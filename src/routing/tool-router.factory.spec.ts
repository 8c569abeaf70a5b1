import { describe, expect, it } from '@jest/globals';
import type { SearchSettings } from '../config/gateway-config.js';
import { MemoryEmbeddingCache } from './embeddings/embedding-cache.js';
import { HybridToolRouter } from './hybrid.tool-router.js';
import { LexicalToolRouter } from './lexical.tool-router.js';
import { LlmToolRouter } from './llm.tool-router.js';
import { createToolRouter, effectiveStrategy } from './tool-router.factory.js';

const base: SearchSettings = {
  strategy: 'auto',
  model: 'm',
  embeddingModel: 'e',
  modelTimeoutMs: 1000,
};

describe('strategy selection', () => {
  it('auto is lexical without a model endpoint and hybrid with one', () => {
    expect(effectiveStrategy(base)).toBe('lexical');
    expect(effectiveStrategy({ ...base, openaiApiKey: 'k' })).toBe('hybrid');
    expect(effectiveStrategy({ ...base, openaiBaseUrl: 'http://127.0.0.1:11434/v1' })).toBe(
      'hybrid',
    );
  });

  it('honours an explicit strategy', () => {
    expect(effectiveStrategy({ ...base, strategy: 'lexical', openaiApiKey: 'k' })).toBe('lexical');
    expect(effectiveStrategy({ ...base, strategy: 'llm', openaiApiKey: 'k' })).toBe('llm');
  });

  it('refuses a model strategy with no endpoint, naming the variable', () => {
    expect(() => effectiveStrategy({ ...base, strategy: 'llm' })).toThrow(/OPENAI_API_KEY/);
    expect(() => effectiveStrategy({ ...base, strategy: 'hybrid' })).toThrow(/SEARCH_STRATEGY/);
  });

  it('builds the matching router, sharing the lexical one', () => {
    const lexical = new LexicalToolRouter();
    let caches = 0;
    const cache = () => {
      caches++;
      return new MemoryEmbeddingCache();
    };
    expect(createToolRouter(base, lexical, cache)).toBe(lexical);
    expect(
      createToolRouter({ ...base, strategy: 'llm', openaiApiKey: 'k' }, lexical, cache),
    ).toBeInstanceOf(LlmToolRouter);
    // A cache (and so a Redis connection) only when embeddings are used.
    expect(caches).toBe(0);
    expect(createToolRouter({ ...base, openaiApiKey: 'k' }, lexical, cache)).toBeInstanceOf(
      HybridToolRouter,
    );
    expect(caches).toBe(1);
  });
});
