import type { SearchSettings } from '../config/gateway-config.js';
import { Embedder } from './embeddings/embedder.js';
import type { EmbeddingCache } from './embeddings/embedding-cache.js';
import { HybridToolRouter } from './hybrid.tool-router.js';
import type { LexicalToolRouter } from './lexical.tool-router.js';
import { LlmToolRouter } from './llm.tool-router.js';
import { createOpenAiClient } from './openai-client.js';
import type { ToolRouter } from './tool-router.js';

export type EffectiveStrategy = 'lexical' | 'hybrid' | 'llm';

/**
 * SEARCH_STRATEGY resolved: `auto` is lexical without a model endpoint and hybrid with one
 * (embeddings are cheap and fast; the llm re-rank costs a chat call per search, so it is
 * opt-in). An explicit model strategy without any endpoint is a configuration error.
 */
export function effectiveStrategy(settings: SearchSettings): EffectiveStrategy {
  const hasEndpoint = Boolean(settings.openaiApiKey || settings.openaiBaseUrl);
  switch (settings.strategy) {
    case 'auto':
      return hasEndpoint ? 'hybrid' : 'lexical';
    case 'lexical':
      return 'lexical';
    case 'hybrid':
    case 'llm':
      if (!hasEndpoint) {
        throw new Error(
          `Invalid configuration:\n  SEARCH_STRATEGY=${settings.strategy} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)`,
        );
      }
      return settings.strategy;
  }
}

/** Builds the configured ToolRouter; the lexical router is shared as every shortlist's source. */
export function createToolRouter(
  settings: SearchSettings,
  lexical: LexicalToolRouter,
  /** Called only when embeddings are used, so a lexical gateway opens no Redis connection. */
  makeCache: () => EmbeddingCache,
): ToolRouter {
  const strategy = effectiveStrategy(settings);
  switch (strategy) {
    case 'lexical':
      return lexical;
    case 'hybrid':
      return new HybridToolRouter(
        lexical,
        new Embedder(createOpenAiClient(settings), settings.embeddingModel),
        makeCache(),
        settings.modelTimeoutMs,
      );
    case 'llm':
      // The shortlist is lexical: a chat-only endpoint need not serve embeddings too.
      return new LlmToolRouter(
        lexical,
        createOpenAiClient(settings),
        settings.model,
        settings.modelTimeoutMs,
      );
  }
}
