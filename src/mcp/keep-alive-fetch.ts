import { Agent, fetch as undiciFetch } from 'undici';

/**
 * The connection pool of every remote upstream the SSRF guard does not pin (servers from the
 * servers file): one keep-alive Agent for the process, so connections stay open between calls.
 */
export const keepAliveAgent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 10 * 60_000,
});

/**
 * undici's own fetch over that pool, for the SDK's legacy SSE transport. Node's built-in
 * fetch goes through its bundled undici and streams every request body in chunks (several
 * writes per call); undici's fetch writes a string body with its headers.
 */
export const keepAliveFetch: typeof fetch = (input, init) =>
  undiciFetch(input as never, { ...(init as object), dispatcher: keepAliveAgent });
