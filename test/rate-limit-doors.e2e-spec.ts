import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectSse, connectStreamableHttp } from './helpers/mcp-clients.js';
import { demoStdioSpec } from './helpers/paths.js';
import { MCP_ACCEPT, messagesOf, type JsonRpcMessage } from './helpers/security.js';

/*
 * RATE_LIMIT_TOOL_PER_MINUTE counts each tool call once, by caller and resolved tool name,
 * whatever door or spelling it comes by. Each test is its own caller (its own key), so each
 * starts with fresh counters.
 */

const TOOL_LIMIT = 2;
const CALLER_LIMIT = 30;
const CALLERS = ['paths', 'bare', 'batch', 'cost', 'sse', 'meta'] as const;
type Caller = (typeof CALLERS)[number];
const keyOf = (caller: Caller) => `rate-limit-key-${caller}`;
const bearer = (caller: Caller) => ({ Authorization: `Bearer ${keyOf(caller)}` });

/** MCP's limited-call error: implementation-defined server-error code, the gateway's code in data. */
const RATE_LIMITED_RPC = -32029;

const echo = { message: 'x' };

/** A raw MCP client on any spelling of the /mcp path, speaking the given protocol version. */
class RawDoor {
  private sessionId?: string;
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly version = '2025-11-25',
  ) {}

  async open(path = '/mcp'): Promise<void> {
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: this.version,
        capabilities: {},
        clientInfo: { name: 'rl', version: '1' },
      },
    };
    const answer = await this.post(path, init);
    expect(answer.status).toBe(200);
    this.sessionId = answer.headers.get('mcp-session-id') ?? undefined;
    await this.post(path, { jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  call(name: string, args: Record<string, unknown> = echo) {
    return {
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'tools/call',
      params: { name, arguments: args },
    };
  }

  async post(path: string, body: unknown) {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: {
        ...MCP_ACCEPT,
        ...(this.sessionId
          ? { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': this.version }
          : {}),
        ...this.headers,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const messages: JsonRpcMessage[] = messagesOf(text, res.headers.get('content-type'));
    return { status: res.status, headers: res.headers, text, body: safeJson(text), messages };
  }
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function expectLimitedRpc(message: JsonRpcMessage | undefined): void {
  expect(message?.error?.code).toBe(RATE_LIMITED_RPC);
  const data = message?.error?.data as { code?: string; retry_after_s?: number } | undefined;
  expect(data?.code).toBe('RATE_LIMITED');
  expect(data?.retry_after_s).toBeGreaterThan(0);
}

describe('per-tool rate limit on every door', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: {
        GATEWAY_API_KEYS: CALLERS.map((c) => `${keyOf(c)}=tools:read+tools:call`).join(','),
        RATE_LIMIT_PER_MINUTE: String(CALLER_LIMIT),
        RATE_LIMIT_TOOL_PER_MINUTE: String(TOOL_LIMIT),
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const execute = (caller: Caller, toolName: string, path = '/mcp/execute') =>
    gateway.post(path, { tool_name: toolName, args: echo }, bearer(caller));

  it('counts a call however its path is spelled (trailing slash, case, aliases)', async () => {
    for (let i = 0; i < TOOL_LIMIT; i++)
      expect((await execute('paths', 'demo__echo')).status).toBe(200);
    expect((await execute('paths', 'demo__echo')).status).toBe(429);
    for (const path of ['/mcp/execute/', '/MCP/Execute']) {
      const limited = await execute('paths', 'demo__echo', path);
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('x-ratelimit-limit')).toBe(String(TOOL_LIMIT));
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    for (const path of ['/tool/', '/TOOL']) {
      const call = { name: 'demo__echo', arguments: echo };
      const limited = await gateway.post(path, call, bearer('paths'));
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
    }
    const mcp = new RawDoor(gateway.url, bearer('paths'));
    await mcp.open('/MCP/');
    const req = mcp.call('demo__echo');
    const answer = await mcp.post('/MCP/', req);
    expectLimitedRpc(answer.messages.find((m) => m.id === req.id));
  });

  it('counts a bare name and its full name as one tool', async () => {
    for (let i = 0; i < TOOL_LIMIT; i++)
      expect((await execute('bare', 'demo__echo')).status).toBe(200);
    const bare = await execute('bare', 'echo');
    expect(bare.status).toBe(429);
    expect(bare.body.message).toContain('demo__echo');
  });

  it('counts every tools/call of a JSON-RPC batch, answering only the ones over the limit with an error', async () => {
    const mcp = new RawDoor(gateway.url, bearer('batch'), '2025-03-26');
    await mcp.open();
    const batch = [mcp.call('demo__echo'), mcp.call('echo'), mcp.call('demo__echo')];
    const answer = await mcp.post('/mcp', batch);
    expect(answer.status).toBe(200);
    const byId = (id: unknown) => answer.messages.find((m) => m.id === id);
    const answers = batch.map((r) => byId(r.id));
    expect(answers.filter((m) => m?.result !== undefined)).toHaveLength(TOOL_LIMIT);
    expectLimitedRpc(answers.find((m) => m?.error !== undefined));
    // The next single call is over the limit too.
    const single = mcp.call('demo__echo');
    expectLimitedRpc((await mcp.post('/mcp', single)).messages.find((m) => m.id === single.id));
  });

  it('counts each message of a batch against the per-caller limit', async () => {
    const mcp = new RawDoor(gateway.url, bearer('cost'), '2025-03-26');
    await mcp.open(); // two requests of the caller's 30: a batch of 29 more is one too many
    const listing = Array.from({ length: CALLER_LIMIT - 1 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/list',
    }));
    const answer = await mcp.post('/mcp', listing);
    expect(answer.status).toBe(429);
    // In JSON-RPC, which an MCP client reads, with the code a limited tool call gets.
    expect(answer.body).toMatchObject({
      jsonrpc: '2.0',
      error: { code: RATE_LIMITED_RPC, data: { code: 'RATE_LIMITED' } },
    });
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts tool calls on the legacy SSE door (/sse + /messages)', async () => {
    const client = await connectSse(gateway.url, bearer('sse'));
    try {
      for (let i = 0; i < TOOL_LIMIT; i++) {
        await client.callTool({ name: 'demo__echo', arguments: echo });
      }
      const limited = await client
        .callTool({ name: 'demo__echo', arguments: echo })
        .catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(McpError);
      expect((limited as McpError).code).toBe(RATE_LIMITED_RPC);
    } finally {
      await client.close();
    }
  });

  it('counts call_tool under the tool it calls, not under call_tool', async () => {
    const { client } = await connectStreamableHttp(gateway.url, bearer('meta'));
    const viaMeta = (name: string, args: Record<string, unknown>) =>
      client.callTool({ name: 'call_tool', arguments: { name, arguments: args } });
    try {
      for (let i = 0; i < TOOL_LIMIT; i++) {
        const result = await viaMeta('demo__echo', echo);
        expect(result.isError).toBeFalsy();
      }
      // call_tool itself has no budget of its own: another tool through it still runs.
      expect((await viaMeta('demo__time', {})).isError).toBeFalsy();
      const direct = await client
        .callTool({ name: 'demo__echo', arguments: echo })
        .catch((e: unknown) => e);
      expect(direct).toBeInstanceOf(McpError);
      expect((direct as McpError).code).toBe(RATE_LIMITED_RPC);
      const meta = await viaMeta('echo', echo).catch((e: unknown) => e);
      expect((meta as McpError).code).toBe(RATE_LIMITED_RPC);
    } finally {
      await client.close();
    }
  });
});

describe('calls refused for load on the MCP door', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { MAX_CONCURRENT_CALLS_PER_KEY: '1' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers a call over the calls in flight with -32029 and CONCURRENCY_LIMIT, as a rate limit', async () => {
    const mcp = new RawDoor(gateway.url, {});
    await mcp.open();
    const slow = mcp.post('/mcp', mcp.call('demo__echo', { message: 'slow', delay_ms: 2000 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The slow call holds the one slot for two seconds; a quick call meanwhile is refused.
    let refused: JsonRpcMessage | undefined;
    for (let i = 0; i < 30 && !refused; i++) {
      const req = mcp.call('demo__echo');
      const answer = await mcp.post('/mcp', req);
      refused = answer.messages.find((m) => m.id === req.id && m.error !== undefined);
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused?.error?.code).toBe(RATE_LIMITED_RPC);
    expect(refused?.error?.data).toMatchObject({ code: 'CONCURRENCY_LIMIT', retry_after_s: 1 });
    expect((await slow).messages.some((m) => m.result !== undefined)).toBe(true);
    // Usage counts the refused call, under the tool it named, as it counts a rate-limited one.
    const report = (await gateway.get('/analytics?since=15m')).body;
    expect(report.error_codes).toContainEqual({ code: 'CONCURRENCY_LIMIT', count: 1 });
    expect(report.tools).toContainEqual(expect.objectContaining({ tool: 'demo__echo', errors: 1 }));
  });
});
