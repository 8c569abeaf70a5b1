import type { Server } from 'node:http';

// TODO: declare HTTP_KEEP_ALIVE_TIMEOUT_MS in src/config/env.schema.ts (and .env.example, the
// README's configuration table) and read it from GatewayConfig; it is read here, on its own,
// until then. It is read once the app is built, so that a value from `.env` counts; a bad one
// stops the start then, after the servers file's servers were started (checkConfiguration
// will catch it before anything starts).
const VARIABLE = 'HTTP_KEEP_ALIVE_TIMEOUT_MS';
/**
 * Longer than the 60 s idle timeout of the usual load balancers (AWS ALB, nginx' upstream
 * keep-alive...), so the balancer, not the gateway, closes an idle connection: otherwise it
 * may send a request on a connection the gateway is closing at that moment, and answer 502.
 * Node's own default is 5 s.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
const MIN_MS = 1_000;
const MAX_MS = 3_600_000;

/**
 * HTTP_KEEP_ALIVE_TIMEOUT_MS, validated as the configuration module validates every variable:
 * a bad value throws `Invalid configuration:` naming it, and the start stops.
 */
export function keepAliveTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[VARIABLE];
  // An empty value means "use the default", as for every other variable.
  if (raw === undefined || raw === '') return DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const invalid = (said: string) =>
    new Error(`Invalid configuration:\n  ${VARIABLE}=${JSON.stringify(raw)}: ${VARIABLE} ${said}`);
  if (!/^-?\d+$/.test(raw.trim())) throw invalid('must be an integer number');
  const ms = Number(raw);
  if (ms < MIN_MS) throw invalid(`must not be less than ${MIN_MS}`);
  if (ms > MAX_MS) throw invalid(`must not be greater than ${MAX_MS}`);
  return ms;
}

/**
 * How long the HTTP server keeps an idle keep-alive connection open (HTTP_KEEP_ALIVE_TIMEOUT_MS),
 * with the headers timeout just above it (the usual advice: Node before 18 counted the headers
 * timeout of a keep-alive connection from its previous request), and the request timeout no
 * shorter than that (Node's 300 s; a 620 s keep-alive for a Google Cloud balancer needs more).
 */
export function applyHttpTimeouts(
  app: { getHttpServer(): Server },
  env: NodeJS.ProcessEnv = process.env,
): void {
  const keepAlive = keepAliveTimeoutMs(env);
  const server = app.getHttpServer();
  server.keepAliveTimeout = keepAlive;
  server.headersTimeout = keepAlive + 1_000;
  if (server.requestTimeout > 0 && server.requestTimeout < server.headersTimeout) {
    server.requestTimeout = server.headersTimeout;
  }
}
