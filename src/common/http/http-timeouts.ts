import type { Server } from 'node:http';

/**
 * How long the HTTP server keeps an idle keep-alive connection open (HTTP_KEEP_ALIVE_TIMEOUT_MS),
 * with the headers timeout just above it (the usual advice: Node before 18 counted the headers
 * timeout of a keep-alive connection from its previous request), and the request timeout no
 * shorter than that (Node's 300 s; a 620 s keep-alive for a Google Cloud balancer needs more).
 */
export function applyHttpTimeouts(server: Server, keepAliveMs: number): void {
  server.keepAliveTimeout = keepAliveMs;
  server.headersTimeout = keepAliveMs + 1_000;
  if (server.requestTimeout > 0 && server.requestTimeout < server.headersTimeout) {
    server.requestTimeout = server.headersTimeout;
  }
}
