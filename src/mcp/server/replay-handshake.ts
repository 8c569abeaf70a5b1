import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { DoorTransport } from './streamable-http-sessions.js';
import type { SessionHandshake } from './session-token.js';

/**
 * Replays a client's handshake (initialize, then notifications/initialized) into a fresh
 * transport, in process, so that this replica can serve an MCP session another replica
 * opened. A transport is marked initialized only by an HTTP request it handled, so the two
 * messages go through handleRequest on an in-memory request whose answer is dropped.
 */
export async function replayHandshake(
  transport: DoorTransport,
  sessionId: string,
  handshake: SessionHandshake,
): Promise<void> {
  await post(
    transport,
    {},
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: handshake,
    },
  );
  await post(
    transport,
    { 'mcp-session-id': sessionId, 'mcp-protocol-version': handshake.protocolVersion },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  );
}

async function post(
  transport: DoorTransport,
  headers: Record<string, string>,
  body: unknown,
): Promise<void> {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = '/mcp';
  req.headers = {
    host: 'localhost',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...headers,
  };
  req.rawHeaders = Object.entries(req.headers).flatMap(([k, v]) => [k, String(v)]);
  req.push(null);
  const res = new ServerResponse(req);
  const ended = new Promise<void>((resolve) => {
    res.write = () => true;
    res.end = ((...args: unknown[]) => {
      void args;
      resolve();
      return res;
    }) as typeof res.end;
  });
  await transport.handleRequest(req, res, body);
  await ended;
}
