/**
 * The cheapest hops Node can make, as floors for what any proxy in front of an HTTP MCP server
 * must cost.
 * - `http` (default): every request is forwarded as it came (method, path, headers such as
 *   Mcp-Session-Id) over a keep-alive undici pool, and the answer is streamed back as it came.
 *   No JSON, no checks, no logging: what the gateway would cost if it did nothing.
 * - `tcp`: each client connection is piped to its own upstream connection, bytes untouched,
 *   HTTP never parsed: the cost of the extra sockets and process wake-ups alone.
 *
 *   node dist/bench/lib/load/null-proxy.js <upstream origin> [http|tcp]
 * Prints `listening on http://127.0.0.1:<port>` once it accepts connections.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createTcpServer, type Server } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's, not the message's. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const upstream = process.argv[2];
const mode = process.argv[3] ?? 'http';
if (!upstream || (mode !== 'http' && mode !== 'tcp')) {
  console.error('usage: null-proxy <upstream origin> [http|tcp]');
  process.exit(2);
}
const pool = new Pool(upstream, { connections: 64, pipelining: 1 });

function tcpRelay(): Server {
  const { hostname, port } = new URL(upstream);
  return createTcpServer({ noDelay: true }, (client) => {
    const origin = connect({ host: hostname, port: Number(port), noDelay: true });
    client.pipe(origin).pipe(client);
    client.on('error', () => origin.destroy());
    origin.on('error', () => client.destroy());
  });
}

const httpProxy = () =>
  createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    pool
      .request({
        method: req.method as 'GET' | 'POST' | 'DELETE',
        path: req.url ?? '/',
        headers: forwardable(req.headers),
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req,
      })
      .then(async (answer) => {
        res.writeHead(answer.statusCode, forwardable(answer.headers));
        await pipeline(answer.body, res);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });

const server = mode === 'tcp' ? tcpRelay() : httpProxy();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});
