import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';

export interface RunningFixture {
  url: string;
  close(): Promise<void>;
}

function rpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

/**
 * Streamable HTTP on 127.0.0.1, stateful (one server and transport per session). The SDK's
 * express app validates the Host header (DNS rebinding protection on loopback).
 */
export async function serveHttp(port: number, create: () => Server): Promise<RunningFixture> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const app = createMcpExpressApp({ host: '127.0.0.1' });

  app.all('/mcp', async (req: Request, res: Response) => {
    const id = req.header('mcp-session-id');
    const known = id === undefined ? undefined : sessions.get(id);
    if (known) return known.handleRequest(req, res, req.body);
    if (id !== undefined) return rpcError(res, 404, 'Session not found');
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return rpcError(res, 400, 'Bad Request: Mcp-Session-Id header is required');
    }
    const server = create();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  const http = await new Promise<HttpServer>((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const { port: actual } = http.address() as AddressInfo;
  return {
    url: `http://localhost:${actual}/mcp`,
    close: async () => {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
