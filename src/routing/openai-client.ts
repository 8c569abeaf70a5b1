import OpenAI from 'openai';
import type { SearchSettings } from '../config/gateway-config.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Local servers (Ollama, vLLM) accept any key; the client insists on one. */
const KEYLESS_PLACEHOLDER = 'not-needed';

/**
 * One client for embeddings and chat, configured only from GatewayConfig: every option the
 * client would otherwise read from the environment is passed explicitly. No retries: a
 * search has a deadline, and every failure already falls back to the lexical ranking.
 */
export function createOpenAiClient(settings: SearchSettings): OpenAI {
  return new OpenAI({
    apiKey: settings.openaiApiKey ?? KEYLESS_PLACEHOLDER,
    baseURL: settings.openaiBaseUrl ?? DEFAULT_BASE_URL,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: settings.modelTimeoutMs,
    maxRetries: 0,
    logLevel: 'off',
  });
}
