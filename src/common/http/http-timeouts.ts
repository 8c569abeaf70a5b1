import type { Server } from 'node:http';

/**
 * How long the HTTP server keeps an idle keep-alive connection open (HTTP_KEEP_ALIVE_TIMEOUT_MS),
 * and how long a client has to send a request, headers and body (HTTP_REQUEST_TIMEOUT_MS). Since
 * Node 18 both request timeouts run from a request's first byte, not from the previous request,
 * so an idle connection is left to the keep-alive timeout alone, however short they are.
 */
export function applyHttpTimeouts(server: Server, keepAliveMs: number, requestMs: number): void {
  server.keepAliveTimeout = keepAliveMs;
  server.requestTimeout = requestMs;
  // Node checks that the headers' timeout is not past the whole request's.
  server.headersTimeout = requestMs;
}
