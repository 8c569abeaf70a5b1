import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { NodeStreamableHttpTransport } from './node-streamable-http-transport.js';
import type { OutboundLimits } from './outbound-budget.js';

/**
 * The door's server transport over real HTTP, with a tiny protocol behind it: every request
 * gets a progress notification on its stream, then its answer.
 */

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 't', version: '1' },
  },
};
const ACCEPT = 'application/json, text/event-stream';

let server: Server | undefined;
/** Every message the transport passed on, in order. */
let received: JSONRPCMessage[] = [];
afterEach(() => {
  received = [];
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function start(
  outboundLimits?: OutboundLimits,
  keepAliveMs = 50,
): Promise<{ url: string; transport: NodeStreamableHttpTransport }> {
  const transport = new NodeStreamableHttpTransport({
    sessionIdGenerator: () => 'session-1',
    keepAliveMs,
    outboundLimits,
  });
  transport.onmessage = (message: JSONRPCMessage) => {
    received.push(message);
    if (!('method' in message) || !('id' in message) || message.method === 'hang') return;
    if (message.method === 'big') {
      // Slow (past the headers flush, so keep-alives run) and large (more than a socket
      // buffer holds while the client does not read).
      const text = 'x'.repeat(8 * 1024 * 1024);
      // (A send to a client too far behind fails, as the SDK's Protocol expects it may.)
      setTimeout(
        () =>
          void transport
            .send({ jsonrpc: '2.0', id: message.id, result: { text } })
            .catch(() => undefined),
        150,
      );
      return;
    }
    void transport.send(
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 1, progress: 1 },
      },
      { relatedRequestId: message.id },
    );
    // Answered a moment later, as a real tool would.
    setTimeout(
      () =>
        void transport.send({ jsonrpc: '2.0', id: message.id, result: { echo: message.method } }),
      5,
    );
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      void transport.handleRequest(req, res, text ? JSON.parse(text) : undefined);
    });
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, transport };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify(body),
  });
}

const inSession = { 'mcp-session-id': 'session-1' };

function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as unknown);
}

describe('NodeStreamableHttpTransport', () => {
  it('answers initialize on an SSE stream with the session id, then ends it', async () => {
    const { url } = await start();
    const res = await post(url, INIT);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('mcp-session-id')).toBe('session-1');
    const sent = events(await res.text());
    expect(sent.at(-1)).toEqual({ jsonrpc: '2.0', id: 0, result: { echo: 'initialize' } });
  });

  it('streams a batch: notifications first, both answers, one stream', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const res = await post(
      url,
      [
        { jsonrpc: '2.0', id: 1, method: 'a' },
        { jsonrpc: '2.0', id: 2, method: 'b' },
      ],
      inSession,
    );
    const sent = events(await res.text()) as { id?: number; method?: string }[];
    expect(sent.filter((m) => m.method === 'notifications/progress')).toHaveLength(2);
    expect(
      sent
        .filter((m) => m.id !== undefined)
        .map((m) => m.id)
        .sort(),
    ).toEqual([1, 2]);
    expect(sent.findIndex((m) => m.id !== undefined)).toBeGreaterThan(0);
  });

  it('accepts notifications alone with 202 and no body', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const res = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, inSession);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });

  it.each([
    ['no Accept of SSE', { accept: 'application/json' }, 406],
    ['a text body', { 'content-type': 'text/plain' }, 415],
    ['an unknown session', { 'mcp-session-id': 'other' }, 404],
    ['no session header', {}, 400],
    [
      'an unsupported protocol version',
      { ...inSession, 'mcp-protocol-version': '1999-01-01' },
      400,
    ],
  ])('refuses a request with %s', async (_label, headers, status) => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const res = await post(url, { jsonrpc: '2.0', id: 1, method: 'a' }, headers);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { jsonrpc: string; error: { message: string } };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it('refuses a second initialize, an invalid message and an oversized batch', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    expect((await post(url, INIT)).status).toBe(400);
    expect((await post(url, { jsonrpc: '1.0', id: 1 }, inSession)).status).toBe(400);
    const batch = Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'a' }));
    expect((await post(url, batch, inSession)).status).toBe(400);
  });

  it.each([
    ['an empty batch', '[]', 'the batch is empty'],
    ['a null id', '{"jsonrpc":"2.0","id":null,"method":"a"}', 'not null'],
    ['a fractional id', '{"jsonrpc":"2.0","id":1.5,"method":"a"}', 'not 1.5'],
    ['an id past 2^53', '{"jsonrpc":"2.0","id":9007199254740993,"method":"a"}', '2^53 - 1'],
    [
      'a batch with a null id in it',
      '[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":null,"method":"b"}]',
      'message 2 of the batch: id must be a string or an integer, not null',
    ],
  ])('answers %s with 400 -32600 saying what is wrong', async (_label, raw, says) => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    received = [];
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, ...inSession },
      body: raw,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBeNull();
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toContain('Invalid Request: ');
    expect(body.error.message).toContain(says);
    expect(received).toEqual([]);
  });

  it('refuses an initialize without clientInfo -32602, naming it, and opens no session', async () => {
    const { url, transport } = await start();
    const params: Partial<typeof INIT.params> = { ...INIT.params };
    delete params.clientInfo;
    const res = await post(url, { ...INIT, id: 'init-1', params });
    expect(res.status).toBe(400);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    const body = (await res.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBe('init-1');
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toMatch(/^Invalid params for initialize: clientInfo: /);
    expect(transport.sessionId).toBeUndefined();
    expect(received).toEqual([]);
    // The client may try again, properly.
    const again = await post(url, INIT);
    expect(again.headers.get('mcp-session-id')).toBe('session-1');
    await again.text();
  });

  it('keeps one GET stream per session (409 for a second) and sends unrelated messages on it', async () => {
    const { url, transport } = await start();
    await (await post(url, INIT)).text();
    const get = () => fetch(url, { headers: { accept: 'text/event-stream', ...inSession } });
    const stream = await get();
    expect(stream.status).toBe(200);
    expect((await get()).status).toBe(409);
    await transport.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    const reader = stream.body!.getReader();
    // Keep-alive comments may come first on a slow machine: read until the event arrives.
    let text = '';
    while (!text.includes('list_changed')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain(
      'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}',
    );
    await reader.cancel();
  });

  it('keeps open streams alive with SSE comments', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const stream = await fetch(url, { headers: { accept: 'text/event-stream', ...inSession } });
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    // Nothing else is sent on this stream: the first bytes are the comment.
    expect(new TextDecoder().decode(value)).toBe(': keepalive\n\n');
    await reader.cancel();
  });

  it('ends the session on DELETE: later requests get 404 and onclose runs once', async () => {
    const { url, transport } = await start();
    let closes = 0;
    transport.onclose = () => closes++;
    await (await post(url, INIT)).text();
    const res = await fetch(url, { method: 'DELETE', headers: inSession });
    expect(res.status).toBe(200);
    expect((await post(url, { jsonrpc: '2.0', id: 1, method: 'a' }, inSession)).status).toBe(404);
    await transport.close();
    expect(closes).toBe(1);
  });

  it('drops the answer of a client that went away, and keeps serving the session', async () => {
    const { url, transport } = await start();
    await (await post(url, INIT)).text();
    const controller = new AbortController();
    const hanging = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, ...inSession },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'hang' }),
      signal: controller.signal,
    });
    expect(hanging.status).toBe(200);
    controller.abort();
    await new Promise((r) => setTimeout(r, 50));
    // The SDK's Protocol reports this through onerror; nothing is written anywhere.
    await expect(transport.send({ jsonrpc: '2.0', id: 7, result: {} })).rejects.toThrow(
      /No connection established for request ID: 7/,
    );
    // And the server is told, so that the work behind the request stops.
    expect(received).toContainEqual({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 7, reason: 'the client closed the request' },
    });
    const next = await post(url, { jsonrpc: '2.0', id: 8, method: 'next' }, inSession);
    expect(events(await next.text()).at(-1)).toEqual({
      jsonrpc: '2.0',
      id: 8,
      result: { echo: 'next' },
    });
  });

  it('ends a cancelled request’s stream, for no answer will come', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const hanging = await post(url, { jsonrpc: '2.0', id: 9, method: 'hang' }, inSession);
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } };
    expect((await post(url, cancel, inSession)).status).toBe(202);
    // The body ends (empty of events) instead of hanging until the client gives up.
    expect(events(await hanging.text())).toEqual([]);
  });

  it('refuses a request id already waiting for its answer, or used twice in a batch', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const first = await post(url, { jsonrpc: '2.0', id: 10, method: 'hang' }, inSession);
    const again = await post(url, { jsonrpc: '2.0', id: 10, method: 'a' }, inSession);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('request id 10 is already in use') },
    });
    const twice = [
      { jsonrpc: '2.0', id: 11, method: 'a' },
      { jsonrpc: '2.0', id: 11, method: 'b' },
    ];
    expect((await post(url, twice, inSession)).status).toBe(400);
    await first.body?.cancel();
  });

  it('never writes a keep-alive after the answer, while a slow reader drains it', async () => {
    const { url } = await start();
    await (await post(url, INIT)).text();
    const res = await post(url, { jsonrpc: '2.0', id: 12, method: 'big' }, inSession);
    // Not read for many keep-alive intervals: the answer sits ended but unsent meanwhile.
    await new Promise((r) => setTimeout(r, 600));
    const [answer] = events(await res.text()) as { result: { text: string } }[];
    expect(answer.result.text).toHaveLength(8 * 1024 * 1024);
  });
});

describe('NodeStreamableHttpTransport with a client that stops reading', () => {
  const limits = { dropNotificationsPastBytes: 64 * 1024, closePastBytes: 1024 * 1024 };

  it('drops notifications past the limit, and sends them again once the client caught up', async () => {
    // No keep-alive comments: the stream is quiet once the notifications are read.
    const { url, transport } = await start(limits, 60_000);
    await (await post(url, INIT)).text();
    const socket = await rawRequest(url, 'GET', { accept: 'text/event-stream', ...inSession });
    socket.pause();
    const log = (data: string) =>
      transport.send({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', data },
      });
    // 20 MB: more than the socket's buffers take, so the gateway's own would fill.
    for (let i = 0; i < 20_000; i++) await log('x'.repeat(1000));
    let text = await readUntilQuiet(socket);
    const heard = text.split('notifications/message').length - 1;
    expect(heard).toBeGreaterThan(0);
    expect(heard).toBeLessThan(20_000);
    await log('after catching up');
    text = await readUntilQuiet(socket);
    expect(text).toContain('after catching up');
    socket.destroy();
  });

  it('closes the stream rather than queue an answer past the hard limit', async () => {
    const { url } = await start(limits);
    await (await post(url, INIT)).text();
    // Two 8 MiB answers: the first is queued (the stream was empty), the second is not.
    const batch = [
      { jsonrpc: '2.0', id: 30, method: 'big' },
      { jsonrpc: '2.0', id: 31, method: 'big' },
    ];
    const socket = await rawRequest(url, 'POST', inSession, JSON.stringify(batch));
    socket.pause();
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    // Only a read sees the reset: take the bytes, slowly, until it comes.
    const drain = setInterval(() => socket.read(), 50);
    let giveUp: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((open) => (giveUp = setTimeout(() => open('open'), 5000))),
    ]);
    clearTimeout(giveUp);
    clearInterval(drain);
    socket.destroy();
    expect(outcome).toBe('closed');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A request on a raw socket, resolved once the answer's first bytes came (and not read). */
async function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Socket> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  const lines = [`${method} /mcp HTTP/1.1`, `host: 127.0.0.1:${port}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) {
    lines.push('content-type: application/json', `accept: ${ACCEPT}`);
    lines.push(`content-length: ${Buffer.byteLength(body)}`);
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
  await new Promise<void>((answered) => socket.once('data', () => answered()));
  return socket;
}

/** What the socket has, then whatever comes until nothing has for 200 ms. */
async function readUntilQuiet(socket: Socket): Promise<string> {
  let text = '';
  const take = (chunk: Buffer) => (text += chunk.toString('utf8'));
  socket.on('data', take);
  socket.resume();
  for (let length = -1; length !== text.length;) {
    length = text.length;
    await sleep(200);
  }
  socket.off('data', take);
  socket.pause();
  return text;
}
