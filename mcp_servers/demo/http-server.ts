import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MCP_PATH = '/mcp';
export const LOOPBACK_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Host header names accepted (DNS-rebinding protection: the server only listens on loopback). */
const ALLOWED_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** Number of open MCP sessions. */
  readonly sessionCount: () => number;
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly rpcCode = -32000,
  ) {
    super(message);
  }
}

function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large', -32600);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'Parse error: request body is not valid JSON', -32700);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Serves MCP Streamable HTTP (stateful) at `http://127.0.0.1:<port>/mcp`: every
 * initialize request opens a session with its own transport and McpServer.
 */
export async function startHttpServer(
  port: number,
  createMcpServer: () => McpServer,
  log: (message: string) => void = () => {},
): Promise<RunningHttpServer> {
  const sessions = new Map<string, Session>();

  async function openSession(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<void> {
    const server = createMcpServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, { transport, server });
      },
    });
    // Set before connect(): Protocol.connect chains any existing onclose handler.
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    if (transport.sessionId === undefined) {
      // The transport rejected the initialize request; nothing refers to this pair anymore.
      await server.close();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== MCP_PATH)
      throw new HttpError(404, `Not found: MCP is served at ${MCP_PATH}`);
    const hostname = hostnameOf(headerValue(req, 'host'));
    if (hostname === undefined || !ALLOWED_HOSTNAMES.has(hostname)) {
      throw new HttpError(403, 'Forbidden: invalid Host header');
    }

    const sessionId = headerValue(req, 'mcp-session-id');
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);

    if (req.method === 'POST') {
      const body = await readJsonBody(req);
      if (session) return session.transport.handleRequest(req, res, body);
      if (sessionId !== undefined) throw new HttpError(404, 'Session not found', -32001);
      if (isInitializeRequest(body)) return openSession(req, res, body);
      throw new HttpError(
        400,
        'Bad Request: no session ID given and this is not an initialize request',
      );
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (session) return session.transport.handleRequest(req, res);
      if (sessionId !== undefined) throw new HttpError(404, 'Session not found', -32001);
      throw new HttpError(400, 'Bad Request: Mcp-Session-Id header is required');
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    throw new HttpError(405, `Method ${req.method ?? '?'} not allowed`);
  }

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJsonRpcError(res, error.status, error.rpcCode, error.message);
        return;
      }
      log(
        `error handling ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`,
      );
      sendJsonRpcError(res, 500, -32603, 'Internal server error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, LOOPBACK_HOST, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const actualPort = (httpServer.address() as AddressInfo).port;

  return {
    url: `http://${LOOPBACK_HOST}:${actualPort}${MCP_PATH}`,
    port: actualPort,
    sessionCount: () => sessions.size,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map((s) => s.server.close()));
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // Open SSE streams would otherwise keep close() waiting forever.
      httpServer.closeAllConnections();
      await closed;
    },
  };
}
