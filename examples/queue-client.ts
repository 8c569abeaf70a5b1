/**
 * A minimal client of the queue door: puts requests on `mcp_requests` and waits for their
 * answers on `mcp_responses`. What a worker in any language does with its Redis client.
 *   REDIS_URL=redis://127.0.0.1:6379 npm start      # in one terminal
 *   npx tsx examples/queue-client.ts [redis://127.0.0.1:6379]
 * Streams renamed on the gateway (QUEUE_REQUEST_STREAM, QUEUE_RESPONSE_STREAM) are read from
 * the same variables here.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const REQUESTS = process.env.QUEUE_REQUEST_STREAM || 'mcp_requests';
const RESPONSES = process.env.QUEUE_RESPONSE_STREAM || 'mcp_responses';

interface QueueResponse {
  id: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
  took_ms: number;
}

const redis = new Redis(url);
// Blocking reads get their own connection, so they never hold up the XADDs.
const reader = redis.duplicate();

/** XADD one request, then read the response stream until the answer with its id arrives. */
async function request(body: Record<string, unknown>, timeoutMs = 30_000): Promise<QueueResponse> {
  const id = randomUUID();
  // Start reading after the newest response now, not at `$`: an answer can come back
  // between our XADD and our first XREAD.
  const [newest] = await redis.xrevrange(RESPONSES, '+', '-', 'COUNT', 1);
  let after = newest?.[0] ?? '0-0';
  await redis.xadd(REQUESTS, '*', 'payload', JSON.stringify({ id, ...body }));
  const giveUpAt = Date.now() + timeoutMs;
  while (Date.now() < giveUpAt) {
    const reply = await reader.xread('COUNT', 100, 'BLOCK', 1000, 'STREAMS', RESPONSES, after);
    for (const [, entries] of reply ?? []) {
      for (const [entryId, fields] of entries) {
        after = entryId;
        // Every response entry carries the request id as its own field: filter without parsing.
        if (fields[fields.indexOf('id') + 1] !== id) continue;
        return JSON.parse(fields[fields.indexOf('payload') + 1]) as QueueResponse;
      }
    }
  }
  throw new Error(
    `no answer for ${id} within ${timeoutMs} ms (is the gateway running with Redis?)`,
  );
}

try {
  const tools = await request({ op: 'list_tools' });
  console.log('list_tools:', JSON.stringify(tools.result).slice(0, 120), '...');
  const echo = await request({
    op: 'execute',
    tool_name: 'demo__echo',
    args: { message: 'hello over Redis' },
    deadline_ms: Date.now() + 10_000,
  });
  console.log('execute:', JSON.stringify(echo));
  const missing = await request({ op: 'execute', tool_name: 'no_such_tool' });
  console.log('error:', JSON.stringify(missing));
} finally {
  redis.disconnect();
  reader.disconnect();
}
