import { spawn, type ChildProcess } from 'node:child_process';
import { startHttpMcpServer, type RunningHttpServer } from './demo-http-server.js';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths.js';

export const HEADER_RECORDER = resolve(
  REPO_ROOT,
  'dist/mcp_servers/fixtures/header-recorder-server.js',
);

export const MCP_ACCEPT = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** The protocol version the raw clients here speak. */
const PROTOCOL = '2025-11-25';

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: PROTOCOL,
    capabilities: {},
    clientInfo: { name: 'security-e2e', version: '1' },
  },
};

export interface JsonRpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: string;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
}

export interface McpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON-RPC messages in the body, whether it was JSON or an SSE stream. */
  messages: JsonRpcMessage[];
}

/** The JSON-RPC messages of an answer: a JSON body (one or a batch) or SSE `data:` lines. */
export function messagesOf(text: string, contentType: string | null): JsonRpcMessage[] {
  if (!text) return [];
  if (contentType?.includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter(Boolean)
      .map((data) => JSON.parse(data) as JsonRpcMessage);
  }
  try {
    const parsed = JSON.parse(text) as JsonRpcMessage | JsonRpcMessage[];
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

/**
 * A raw client of the /mcp door: every answer's headers and body are kept (`transcript`), so a
 * test can check what came back, not what an SDK made of it.
 */
export class RawMcp {
  static readonly PROTOCOL = PROTOCOL;
  sessionId?: string;
  private nextId = 1;

  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
    readonly transcript: string[] = [],
  ) {}

  async post(body: unknown, extra: Record<string, string> = {}): Promise<McpAnswer> {
    const res = await fetch(`${this.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        ...MCP_ACCEPT,
        ...(this.sessionId
          ? { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': PROTOCOL }
          : {}),
        ...this.headers,
        ...extra,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    this.transcript.push(JSON.stringify([...res.headers]), text);
    return {
      status: res.status,
      headers: res.headers,
      text,
      messages: messagesOf(text, res.headers.get('content-type')),
    };
  }

  /** initialize + notifications/initialized; the answer to initialize. */
  async initialize(): Promise<McpAnswer> {
    const answer = await this.post(INITIALIZE);
    const id = answer.headers.get('mcp-session-id');
    if (answer.status === 200 && id) {
      this.sessionId = id;
      await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    }
    return answer;
  }

  /** One request; the HTTP status and the JSON-RPC answer to it (undefined if none came). */
  async request(
    method: string,
    params?: unknown,
  ): Promise<{ status: number; message?: JsonRpcMessage; text: string }> {
    const id = this.nextId++;
    const answer = await this.post({
      jsonrpc: '2.0',
      id,
      method,
      ...(params === undefined ? {} : { params }),
    });
    return {
      status: answer.status,
      text: answer.text,
      message: answer.messages.find((m) => m.id === id) ?? answer.messages[0],
    };
  }

  async callTool(name: string, args: Record<string, unknown> = {}) {
    return this.request('tools/call', { name, arguments: args });
  }

  async close(): Promise<void> {
    if (!this.sessionId) return;
    await fetch(`${this.baseUrl}/mcp`, {
      method: 'DELETE',
      headers: { 'mcp-session-id': this.sessionId, ...this.headers },
    }).catch(() => undefined);
    this.sessionId = undefined;
  }
}

export type RecorderServer = RunningHttpServer;

/** mcp_servers/fixtures/header-recorder-server.ts on a free loopback port. */
export function startHeaderRecorder(): Promise<RecorderServer> {
  return startHttpMcpServer(HEADER_RECORDER, ['0'], 'header-recorder');
}

/** Prints a matrix of cells (`... : ok` or `... : expected X, got Y`) so its size shows in the run. */
export function reportMatrix(title: string, cells: string[]): void {
  const failed = cells.filter((c) => !c.endsWith(': ok'));
  process.stdout.write(`${title}: ${cells.length} cells, ${failed.length} failed\n`);
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr, in order. */
  output: string[];
  /** SIGTERM, then the exit; SIGKILL if it is still running after 20 s. */
  stop(): Promise<void>;
}

export const GATEWAY_MAIN = resolve(REPO_ROOT, 'dist/src/main.js');

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    // 'close', not 'exit': the last output may still be in the pipes when the process exits.
    child.once('close', () => done());
  });
}

/**
 * A real gateway process (`node dist/src/main.js`) on the given port, with only PATH from this
 * environment; resolves once it logs "Ready in", rejects with its output if it exits first.
 */
export async function spawnGateway(
  port: number,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const { child, output } = runGateway({
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    ...env,
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = exited(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await done;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  while (!output.join('').includes('Ready in')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the gateway did not become ready:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, child, output, stop };
}

/** Starts `node dist/src/main.js` and collects its output, without waiting for anything. */
export function runGateway(env: Record<string, string>): {
  child: ChildProcess;
  output: string[];
  exit: Promise<void>;
} {
  const child = spawn(process.execPath, [GATEWAY_MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  return { child, output, exit: exited(child) };
}
