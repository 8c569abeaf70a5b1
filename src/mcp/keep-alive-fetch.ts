import { Agent, fetch as undiciFetch } from 'undici';

/**
 * The fetch of every remote upstream the SSRF guard does not pin (servers from the servers
 * file): undici's own fetch with one keep-alive Agent for the process. Node's built-in fetch
 * goes through its bundled undici and streams every request body in chunks (several writes
 * per call); undici's fetch writes a string body with its headers, and the connections stay
 * open between calls. Measured: about 20% less CPU per upstream call.
 */
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 10 * 60_000 });

export const keepAliveFetch: typeof fetch = (input, init) =>
  undiciFetch(input as never, { ...(init as object), dispatcher: agent });
