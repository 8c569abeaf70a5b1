import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createGatewayApp } from '../../src/app.factory.js';
import { ServersService } from '../../src/servers/servers.service.js';
import { REPO_ROOT } from './paths.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface TestGateway {
  url: string;
  app: INestApplication;
  /** Every answer's raw text, so tests can check that no secret ever left the gateway. */
  transcript: string[];
  get(path: string, headers?: Record<string, string>): Promise<ApiResponse>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Sends a raw body, for malformed and oversized requests. */
  postRaw(path: string, raw: string, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** The whole gateway in this process, on a random loopback port, with its own servers file. */
export async function startGateway(
  options: { servers?: Record<string, unknown>; env?: Record<string, string> } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-test-'));
  const serversFile = join(dir, 'servers.json');
  writeFileSync(serversFile, JSON.stringify({ mcpServers: options.servers ?? {} }));
  const app = await createGatewayApp({
    cwd: REPO_ROOT,
    env: { LOG_LEVEL: 'error', MCP_SERVERS_CONFIG: serversFile, ...options.env },
  });
  await app.listen(0, '127.0.0.1');
  await app.get(ServersService).waitForInitialConnect();
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const transcript: string[] = [];

  const send = async (
    method: string,
    path: string,
    raw?: string,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: raw,
    });
    const text = await res.text();
    transcript.push(text);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  };

  return {
    url,
    app,
    transcript,
    get: (path, headers) => send('GET', path, undefined, headers),
    post: (path, body, headers) => send('POST', path, JSON.stringify(body), headers),
    postRaw: (path, raw, headers) => send('POST', path, raw, headers),
    close: () => app.close(),
  };
}
