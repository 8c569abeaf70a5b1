/** The HTTP calls the search benchmark makes to a running gateway. */
import { performance } from 'node:perf_hooks';

export interface SearchAnswer {
  tools: { name: string; server: string; tool: string; score: number }[];
  strategy: string;
  took_ms: number;
}

/** The API's limit on `query` (POST /mcp/search); longer benchmark queries are cut to it. */
export const MAX_QUERY_CHARS = 2000;

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export async function addServers(
  gatewayUrl: string,
  config: unknown,
): Promise<{ added: number; failed: { name: string; error: string }[] }> {
  const { status, json } = await postJson(`${gatewayUrl}/mcp/servers/add`, { config });
  if (status !== 201)
    throw new Error(`POST /mcp/servers/add answered ${status}: ${JSON.stringify(json)}`);
  const body = json as { added: unknown[]; failed: { name: string; error: string }[] };
  return { added: body.added.length, failed: body.failed };
}

export async function catalogSize(gatewayUrl: string): Promise<number> {
  const res = await fetch(`${gatewayUrl}/mcp/tools`);
  return ((await res.json()) as { count: number }).count;
}

/** One search over HTTP; `ms` is the client-side round trip. */
export async function search(
  gatewayUrl: string,
  query: string,
  limit: number,
): Promise<{ answer: SearchAnswer; ms: number }> {
  const started = performance.now();
  const { status, json } = await postJson(`${gatewayUrl}/mcp/search`, {
    query: query.slice(0, MAX_QUERY_CHARS),
    limit,
  });
  const ms = performance.now() - started;
  if (status !== 200)
    throw new Error(`POST /mcp/search answered ${status}: ${JSON.stringify(json)}`);
  return { answer: json as SearchAnswer, ms };
}
