import { afterEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { z } from 'zod';
import { PooledHttpTransport } from './pooled-http-transport.js';

/**
 * The gateway's streamable HTTP client transport against the SDK's own server transport,
 * in both of its answer modes (SSE streams and plain JSON), over real loopback HTTP.
 */

interface TestServer {
  url: string;
  /** Every request as method + path, in order. */
  requests: string[];
  closedSessions: string[];
  /** Answer streams of tools/call requests the server has not closed yet. */
  openCallStreams(): number;
  /** Sends a notification on the session's standalone GET stream. */
  notifyToolsChanged(): Promise<void>;
  close(): Promise<void>;
}

const servers: Server[] = [];
const agent = new Agent({ keepAliveTimeout: 1000 });

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise((done) => s.close(done).closeAllConnections())),
  );
});

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'transport-test', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes', inputSchema: { message: z.string() } },
    ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  server.registerTool(
    'count',
    { description: 'Reports progress three times, then answers', inputSchema: {} },
    async (_args, extra) => {
      const token = extra._meta?.progressToken;
      for (let progress = 1; token !== undefined && progress <= 3; progress++) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress, total: 3 },
        });
      }
      return { content: [{ type: 'text', text: 'done' }] };
    },
  );
  server.registerTool(
    'never',
    { description: 'Never answers', inputSchema: {} },
    () => new Promise<never>(() => undefined),
  );
  server.registerTool(
    'interrupted',
    { description: 'Closes its own answer stream midway, then answers', inputSchema: {} },
    async (_args, extra) => {
      const token = extra._meta?.progressToken;
      const progress = (value: number) =>
        extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token!, progress: value },
        });
      await progress(1);
      // The server drops the stream (as for polling); the client must resume it by event id.
      extra.closeSSEStream?.();
      await new Promise((r) => setTimeout(r, 100));
      await progress(2);
      return { content: [{ type: 'text', text: 'resumed' }] };
    },
  );
  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

/** A stateful SDK server on `path`; other paths answer 307 to it (for the redirect tests). */
async function startServer(options: {
  json: boolean;
  path?: string;
  resumable?: boolean;
}): Promise<TestServer> {
  const path = options.path ?? '/mcp';
  const requests: string[] = [];
  const closedSessions: string[] = [];
  let openCallStreams = 0;
  const sessions = new Map<
    string,
    { transport: StreamableHTTPServerTransport; server: McpServer }
  >();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests.push(`${req.method} ${req.url}${req.headers['last-event-id'] ? ' resuming' : ''}`);
    if (req.url !== path) {
      res.writeHead(307, { location: path }).end();
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    if ((body as { method?: string } | undefined)?.method === 'tools/call') {
      openCallStreams++;
      res.once('close', () => openCallStreams--);
    }
    const id = req.headers['mcp-session-id'] as string | undefined;
    let session = id ? sessions.get(id) : undefined;
    if (!session) {
      if (id) {
        res.writeHead(404).end();
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse: options.json,
        ...(options.resumable ? { eventStore: new InMemoryEventStore(), retryInterval: 20 } : {}),
        onsessioninitialized: (sid) => void sessions.set(sid, { transport, server }),
        onsessionclosed: (sid) => void closedSessions.push(sid),
      });
      const server = mcpServer();
      await server.connect(transport);
      session = { transport, server };
    }
    await session.transport.handleRequest(req, res, body);
  };
  const http = createServer((req, res) => void handle(req, res));
  servers.push(http);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    closedSessions,
    openCallStreams: () => openCallStreams,
    notifyToolsChanged: async () => {
      for (const { server } of sessions.values()) server.sendToolListChanged();
      return Promise.resolve();
    },
    close: () => new Promise((done) => http.close(() => done())),
  };
}

async function connect(
  url: string,
  followRedirects = true,
  maxMessageBytes?: number,
): Promise<Client> {
  const client = new Client({ name: 'transport-test-client', version: '1.0.0' });
  const transport = new PooledHttpTransport(new URL(url), {
    dispatcher: agent,
    headers: { 'x-spec-header': 'from-spec' },
    followRedirects,
    maxMessageBytes,
  });
  await client.connect(transport);
  return client;
}

describe.each([
  ['SSE answers', false],
  ['JSON answers', true],
])('PooledHttpTransport with %s', (_label, json) => {
  it('initializes a session and calls tools, many at once', async () => {
    const server = await startServer({ json });
    const client = await connect(server.url);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.callTool({ name: 'echo', arguments: { message: `m${i}` } }),
      ),
    );
    expect(answers.map((a) => (a.content as { text: string }[])[0].text)).toEqual(
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    expect((client.transport as PooledHttpTransport).sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await client.close();
  });

  it('stops reading an answer larger than maxMessageBytes, and fails that call alone', async () => {
    const server = await startServer({ json });
    const client = await connect(server.url, true, 100_000);
    const big = client.callTool({ name: 'echo', arguments: { message: 'x'.repeat(200_000) } });
    await expect(big).rejects.toThrow(/larger than 100000 bytes/);
    const small = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
    expect((small.content as { text: string }[])[0].text).toBe('still here');
    await client.close();
  });

  it('ends the upstream session with DELETE on close', async () => {
    const server = await startServer({ json });
    const client = await connect(server.url);
    const sessionId = (client.transport as PooledHttpTransport).sessionId;
    await client.close();
    expect(server.requests).toContain('DELETE /mcp');
    expect(server.closedSessions).toEqual([sessionId]);
  });
});

describe('PooledHttpTransport streams', () => {
  it('hands on progress notifications before the result of the same call', async () => {
    const server = await startServer({ json: false });
    const client = await connect(server.url);
    const seen: number[] = [];
    const result = await client.callTool({ name: 'count', arguments: {} }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    await client.close();
  });

  it('resumes an answer stream the server closed midway, from the last event id', async () => {
    const server = await startServer({ json: false, resumable: true });
    const client = await connect(server.url);
    const seen: number[] = [];
    const result = await client.callTool({ name: 'interrupted', arguments: {} }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'resumed' }]);
    expect(seen).toEqual([1, 2]);
    // The resumption is a GET that names where the closed stream stopped.
    expect(server.requests).toContain('GET /mcp resuming');
    await client.close();
  });

  it('receives server-initiated notifications on the GET stream opened after initialization', async () => {
    const server = await startServer({ json: false });
    const client = await connect(server.url);
    const changed = new Promise<string>((done) => {
      client.fallbackNotificationHandler = (n) => Promise.resolve(done(n.method));
    });
    // The GET stream opens right after `notifications/initialized`; wait until the server has it.
    for (let i = 0; i < 100 && !server.requests.includes('GET /mcp'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await server.notifyToolsChanged();
    await expect(changed).resolves.toBe('notifications/tools/list_changed');
    await client.close();
  });
});

describe('PooledHttpTransport answer streams are released', () => {
  it('when the call times out, so a server that never answers holds no socket', async () => {
    const server = await startServer({ json: false });
    const client = await connect(server.url);
    const calls = Array.from({ length: 10 }, () =>
      client.callTool({ name: 'never', arguments: {} }, undefined, { timeout: 100 }),
    );
    for (const call of calls) await expect(call).rejects.toThrow(/timed out/i);
    expect(await waitUntil(() => server.openCallStreams() === 0)).toBe(true);
    await client.close();
  });

  it('when the call is aborted', async () => {
    const server = await startServer({ json: false });
    const client = await connect(server.url);
    const stop = new AbortController();
    const call = client.callTool({ name: 'never', arguments: {} }, undefined, {
      signal: stop.signal,
    });
    expect(await waitUntil(() => server.openCallStreams() === 1)).toBe(true);
    stop.abort();
    await expect(call).rejects.toThrow();
    expect(await waitUntil(() => server.openCallStreams() === 0)).toBe(true);
    await client.close();
  });

  it('when the answer came and the server keeps the stream open', async () => {
    let open = 0;
    const http = handshakeThen((message, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const answer = { jsonrpc: '2.0', id: message.id, result: { content: [] } };
      res.write(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
      // Then comments for ever, as a server that forgets to end its streams.
      open++;
      const trickle = setInterval(() => res.write(': still here\n\n'), 50);
      res.once('close', () => {
        open--;
        clearInterval(trickle);
      });
    });
    const client = await connect(await listen(http));
    await expect(client.callTool({ name: 'anything', arguments: {} })).resolves.toEqual({
      content: [],
    });
    expect(open).toBe(1);
    expect(await waitUntil(() => open === 0, 3000)).toBe(true);
    await client.close();
  });
});

/** A bare server: JSON answers for the handshake, then `answer` for every request. */
function handshakeThen(
  answer: (message: { id: number; method: string }, res: ServerResponse) => void,
): Server {
  const http = createServer((req, res) => {
    void readBody(req).then((body) => {
      const message = body as { id?: number; method?: string } | undefined;
      if (req.method !== 'POST') return void res.writeHead(405).end();
      if (message?.method === 'initialize') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
        return void res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: message.id,
            result: {
              protocolVersion: '2025-06-18',
              capabilities: { tools: {} },
              serverInfo: { name: 'bare', version: '1' },
            },
          }),
        );
      }
      if (message?.id === undefined) return void res.writeHead(202).end();
      answer(message as { id: number; method: string }, res);
    });
  });
  servers.push(http);
  return http;
}

async function listen(http: Server): Promise<string> {
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

async function waitUntil(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
}

describe('PooledHttpTransport failures and redirects', () => {
  it('follows a same-origin 307 when allowed and keeps using the new address', async () => {
    const server = await startServer({ json: true, path: '/real' });
    const client = await connect(server.url.replace('/real', '/old'));
    await client.callTool({ name: 'echo', arguments: { message: 'x' } });
    // One redirect for the first POST; every later request goes straight to /real.
    expect(server.requests.filter((r) => r.endsWith('/old'))).toEqual(['POST /old']);
    await client.close();
  });

  it('does not follow a redirect when not allowed (pinned addresses), and says so', async () => {
    const server = await startServer({ json: true, path: '/real' });
    await expect(connect(server.url.replace('/real', '/old'), false)).rejects.toThrow(
      /HTTP 307.*redirected to \/real, not followed/,
    );
  });

  it('reports an HTTP error status with the server words', async () => {
    const http = createServer((_req, res) => res.writeHead(503).end('down for maintenance'));
    servers.push(http);
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const { port } = http.address() as AddressInfo;
    await expect(connect(`http://127.0.0.1:${port}/mcp`)).rejects.toThrow(
      /HTTP 503\): down for maintenance/,
    );
  });

  it('fails a call at once when the server ends its answer stream without answering', async () => {
    // A bare server: JSON answers for the handshake, then an SSE stream that just ends.
    const http = handshakeThen((_message, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end();
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const { port } = http.address() as AddressInfo;
    const client = await connect(`http://127.0.0.1:${port}/mcp`);
    const started = Date.now();
    await expect(
      client.callTool({ name: 'anything', arguments: {} }, undefined, { timeout: 20_000 }),
    ).rejects.toThrow(/ended the answer stream of this request without answering/);
    expect(Date.now() - started).toBeLessThan(5000);
    await client.close();
  });

  it('reports an answer of an unexpected content type', async () => {
    const http = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
    );
    servers.push(http);
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const { port } = http.address() as AddressInfo;
    await expect(connect(`http://127.0.0.1:${port}/mcp`)).rejects.toThrow(
      /Unexpected content type: text\/html/,
    );
  });
});
