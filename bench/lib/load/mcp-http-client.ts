/**
 * A light MCP streamable-HTTP client for load generation: JSON-RPC over a shared keep-alive
 * undici Pool, answers read as JSON or as an SSE stream. The SDK `Client` spends ~0.5 ms of
 * CPU per call, which would measure the client rather than the server (issue 8).
 */
import type { Pool } from 'undici';

export const PROTOCOL_VERSION = '2025-06-18';

interface JsonRpcAnswer {
  jsonrpc: '2.0';
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

/** One JSON-RPC answer out of a JSON body or an SSE stream (the one whose id matches). */
export function parseAnswer(contentType: string, text: string, id: number): JsonRpcAnswer {
  if (contentType.startsWith('application/json')) {
    const parsed = JSON.parse(text) as JsonRpcAnswer | JsonRpcAnswer[];
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const hit = list.find((m) => m.id === id);
    if (!hit) throw new Error(`no answer with id ${id} in JSON body`);
    return hit;
  }
  if (contentType.startsWith('text/event-stream')) {
    // Events are separated by a blank line; only `data:` lines matter here.
    for (const event of text.split(/\r?\n\r?\n/)) {
      let data = '';
      for (const line of event.split(/\r?\n/)) {
        if (line.startsWith('data:')) data += line.slice(line[5] === ' ' ? 6 : 5);
      }
      if (!data) continue;
      const message = JSON.parse(data) as JsonRpcAnswer;
      if (message.id === id) return message;
    }
    throw new Error(`no answer with id ${id} in SSE stream`);
  }
  throw new Error(`unexpected content-type ${contentType}: ${text.slice(0, 200)}`);
}

export class McpHttpSession {
  private sessionId: string | undefined;
  private nextId = 1;

  constructor(
    private readonly pool: Pool,
    private readonly path: string,
  ) {}

  private headers(): Record<string, string> {
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.sessionId !== undefined) {
      h['mcp-session-id'] = this.sessionId;
      h['mcp-protocol-version'] = PROTOCOL_VERSION;
    }
    return h;
  }

  private async post(message: object): Promise<{ status: number; type: string; text: string }> {
    const res = await this.pool.request({
      method: 'POST',
      path: this.path,
      headers: this.headers(),
      body: JSON.stringify(message),
    });
    const text = await res.body.text();
    const sid = res.headers['mcp-session-id'];
    if (typeof sid === 'string') this.sessionId = sid;
    const type = res.headers['content-type'];
    return { status: res.statusCode, type: typeof type === 'string' ? type : '', text };
  }

  private async rpc(method: string, params: object): Promise<unknown> {
    const id = this.nextId++;
    const { status, type, text } = await this.post({ jsonrpc: '2.0', id, method, params });
    if (status !== 200) throw new Error(`${method}: HTTP ${status}: ${text.slice(0, 200)}`);
    const answer = parseAnswer(type, text, id);
    if (answer.error) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
    return answer.result;
  }

  /** initialize, then notifications/initialized: once per session. */
  async initialize(): Promise<void> {
    await this.rpc('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'proxy-bench', version: '1.0.0' },
    });
    if (this.sessionId === undefined) throw new Error('initialize: no Mcp-Session-Id header');
    const { status, text } = await this.post({
      jsonrpc: '2.0',
      method: 'notifications/initialized',
    });
    if (status !== 202 && status !== 200) {
      throw new Error(`notifications/initialized: HTTP ${status}: ${text.slice(0, 200)}`);
    }
  }

  callTool(name: string, args: Record<string, unknown>): Promise<unknown> {
    return this.rpc('tools/call', { name, arguments: args });
  }

  /** DELETE the session, so servers that keep a process per session can end it. */
  async close(): Promise<void> {
    if (this.sessionId === undefined) return;
    const res = await this.pool.request({
      method: 'DELETE',
      path: this.path,
      headers: this.headers(),
    });
    await res.body.dump();
    this.sessionId = undefined;
  }
}
