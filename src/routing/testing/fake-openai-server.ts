import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SearchSettings } from '../../config/gateway-config.js';

/** What the fake does for one request: answer JSON, fail with a status, hang, or send junk. */
export type FakeReply =
  | { kind: 'json'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'raw'; text: string };

/** A promise lets a test hold a request until it decides to answer. */
type Answer = FakeReply | Promise<FakeReply>;

export interface FakeOpenAiHandlers {
  /** POST /v1/embeddings: the inputs of one request. */
  embeddings?: (inputs: string[]) => Answer;
  /** POST /v1/chat/completions: the messages' contents, in order. */
  chat?: (messages: string[]) => Answer;
}

export interface FakeOpenAiServer {
  /** Base URL for the openai client, ending in /v1. */
  baseUrl: string;
  /** Every request received, path and parsed body. */
  requests: { path: string; body: Record<string, unknown> }[];
  handlers: FakeOpenAiHandlers;
  close(): Promise<void>;
}

export function embeddingsReply(vectors: number[][]): FakeReply {
  return {
    kind: 'json',
    body: {
      object: 'list',
      model: 'fake-embedding',
      data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      usage: { prompt_tokens: 1, total_tokens: 1 },
    },
  };
}

export function chatReply(content: string): FakeReply {
  return {
    kind: 'json',
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 0,
      model: 'fake-chat',
      choices: [
        { index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } },
      ],
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

function send(res: ServerResponse, reply: FakeReply): void {
  switch (reply.kind) {
    case 'json':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      return;
    case 'status':
      res
        .writeHead(reply.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'fake failure', type: 'server_error' } }));
      return;
    case 'raw':
      res.writeHead(200, { 'content-type': 'application/json' }).end(reply.text);
      return;
    case 'hang':
      return;
  }
}

/**
 * Search settings for a strategy that talks to a fake server at `baseUrl`. The model timeout
 * is generous by default, so that a busy machine never turns a success into a fallback; only
 * the timeout tests give a short one.
 */
export function fakeModelSettings(
  strategy: 'hybrid' | 'llm',
  baseUrl: string,
  modelTimeoutMs = 10_000,
): SearchSettings {
  return {
    strategy,
    openaiApiKey: 'test-key',
    openaiBaseUrl: baseUrl,
    model: 'fake-chat',
    embeddingModel: 'fake-embedding',
    modelTimeoutMs,
  };
}

/** An OpenAI-compatible HTTP server on 127.0.0.1:0 whose answers the test decides. */
export async function startFakeOpenAi(
  handlers: FakeOpenAiHandlers = {},
): Promise<FakeOpenAiServer> {
  const requests: FakeOpenAiServer['requests'] = [];
  const state = { handlers };
  const server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ path, body });
      if (path === '/v1/embeddings' && state.handlers.embeddings) {
        const input = body.input;
        const inputs = Array.isArray(input) ? (input as string[]) : [String(input)];
        void Promise.resolve(state.handlers.embeddings(inputs)).then((reply) => send(res, reply));
      } else if (path === '/v1/chat/completions' && state.handlers.chat) {
        const messages = (body.messages as { content: string }[]).map((m) => m.content);
        void Promise.resolve(state.handlers.chat(messages)).then((reply) => send(res, reply));
      } else {
        send(res, { kind: 'status', status: 404 });
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get handlers() {
      return state.handlers;
    },
    set handlers(next) {
      state.handlers = next;
    },
    close: () =>
      new Promise<void>((done) => {
        // Hanging requests would keep close() waiting.
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
