/**
 * Contract tests for the BUILT demo server (dist/mcp_servers/demo-server.js), spoken to as a
 * real MCP client would over stdio and over Streamable HTTP. Build first:
 *   npx tsc -p tsconfig.build.json
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_JS = fileURLToPath(new URL('../dist/mcp_servers/demo-server.js', import.meta.url));
const LISTENING_LINE = /^demo-server listening on (http:\/\/127\.0\.0\.1:(\d+)\/mcp)$/;

function assertBuilt(): void {
  if (!existsSync(SERVER_JS)) {
    throw new Error(`${SERVER_JS} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
  }
}

const newClient = (): Client => new Client({ name: 'demo-server-contract', version: '1.0.0' });

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitForExit(child: ChildProcess, timeoutMs = 5000): Promise<number | NodeJS.Signals> {
  return new Promise((resolve, reject) => {
    if (!isRunning(child)) {
      resolve(child.exitCode ?? (child.signalCode as NodeJS.Signals));
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`pid ${child.pid} did not exit in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal as NodeJS.Signals));
    });
  });
}

async function killIfRunning(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || !isRunning(child)) return;
  child.kill('SIGKILL');
  await waitForExit(child).catch(() => undefined);
}

/** Behaviour every transport must show; `client` is connected to a fresh server. */
function describeToolContract(getClient: () => Client): void {
  it('lists exactly the time, calculator and echo tools', async () => {
    const { tools } = await getClient().listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['calculator', 'echo', 'time']);
    for (const tool of tools) {
      expect(tool.description).toBeTruthy();
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.annotations?.readOnlyHint).toBe(true);
    }
  });

  it('identifies itself as "demo"', () => {
    expect(getClient().getServerVersion()?.name).toBe('demo');
    expect(getClient().getServerCapabilities()?.tools).toBeDefined();
  });

  it('calls time', async () => {
    const result = await call(getClient(), 'time', { timezone: 'Europe/Paris' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ timezone: 'Europe/Paris' });
    const { iso } = result.structuredContent as { iso: string };
    expect(Math.abs(Date.parse(iso) - Date.now())).toBeLessThan(60_000);

    const bad = await call(getClient(), 'time', { timezone: 'Nowhere/Special' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("Unknown time zone 'Nowhere/Special'");
  });

  it('calls calculator', async () => {
    const result = await call(getClient(), 'calculator', { expression: '2 * (3 + 4) / 5 - 2^3' });
    expect(result.structuredContent).toEqual({ expression: '2 * (3 + 4) / 5 - 2^3', result: -5.2 });
    const op = await call(getClient(), 'calculator', { operation: 'power', a: 2, b: 8 });
    expect(op.structuredContent).toMatchObject({ result: 256 });

    const divByZero = await call(getClient(), 'calculator', { expression: '1/0' });
    expect(divByZero.isError).toBe(true);
    expect(text(divByZero)).toContain('Division by zero');
    const hostile = await call(getClient(), 'calculator', { expression: 'process.exit(1)' });
    expect(hostile.isError).toBe(true);
    const deep = await call(getClient(), 'calculator', {
      expression: '('.repeat(500) + ')'.repeat(500),
    });
    expect(deep.isError).toBe(true);
  });

  it('calls echo', async () => {
    const result = await call(getClient(), 'echo', { message: 'hello, gateway' });
    expect(text(result)).toBe('hello, gateway');
    expect(result.structuredContent).toEqual({ message: 'hello, gateway', delay_ms: 0 });
  });

  it('echo with delay_ms answers after the delay', async () => {
    const started = Date.now();
    const result = await call(getClient(), 'echo', { message: 'slow', delay_ms: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(text(result)).toBe('slow');
  });

  it('cancelling a slow echo frees the server for further calls', async () => {
    const controller = new AbortController();
    const slow = getClient().callTool(
      { name: 'echo', arguments: { message: 'never', delay_ms: 600_000 } },
      undefined,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('cancelled by test')), 200);
    await expect(slow).rejects.toThrow('cancelled by test');
    expect(text(await call(getClient(), 'echo', { message: 'still alive' }))).toBe('still alive');
  });

  it('a client-side timeout surfaces as RequestTimeout', async () => {
    const slow = getClient().callTool(
      { name: 'echo', arguments: { message: 'too slow', delay_ms: 600_000 } },
      undefined,
      { timeout: 250 },
    );
    await expect(slow).rejects.toMatchObject({ code: ErrorCode.RequestTimeout });
    await expect(slow).rejects.toBeInstanceOf(McpError);
  });

  it('serves concurrent calls independently', async () => {
    const results = await Promise.all(
      [300, 0, 150].map((delay) =>
        call(getClient(), 'echo', { message: `d${delay}`, delay_ms: delay }),
      ),
    );
    expect(results.map(text)).toEqual(['d300', 'd0', 'd150']);
  });
}

describe('demo-server over stdio', () => {
  let transport: StdioClientTransport;
  const client = newClient();
  const clientErrors: Error[] = [];
  let stderr = '';

  beforeAll(async () => {
    assertBuilt();
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_JS],
      cwd: REPO_ROOT,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Anything on stdout that is not a JSON-RPC message would show up here.
    client.onerror = (error) => clientErrors.push(error);
    await client.connect(transport);
  });

  afterAll(async () => {
    const pid = transport.pid;
    await client.close();
    if (pid !== null) {
      expect(() => process.kill(pid, 0)).toThrow(); // gone
    }
  });

  describeToolContract(() => client);

  it('writes only protocol messages to stdout and diagnostics to stderr', () => {
    expect(clientErrors).toEqual([]);
    expect(stderr).toContain('serving MCP on stdio');
  });
});

describe('demo-server process lifecycle (stdio)', () => {
  beforeAll(assertBuilt);

  it.each<[string, (child: ChildProcess) => void]>([
    ['stdin closes', (child) => child.stdin?.end()],
    ['it receives SIGTERM', (child) => child.kill('SIGTERM')],
    ['it receives SIGINT', (child) => child.kill('SIGINT')],
  ])('exits with code 0 when %s, printing nothing to stdout', async (_when, stop) => {
    const child = spawn(process.execPath, [SERVER_JS], { cwd: REPO_ROOT, stdio: 'pipe' });
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitUntil(() => stderr.includes('serving MCP on stdio'));
      stop(child);
      expect(await waitForExit(child)).toBe(0);
      expect(stdout).toBe('');
    } finally {
      await killIfRunning(child);
    }
  });

  it('rejects bad arguments with exit code 2', async () => {
    const child = spawn(process.execPath, [SERVER_JS, '--http', 'nope'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      expect(await waitForExit(child)).toBe(2);
      expect(stderr).toContain("Invalid port 'nope'");
    } finally {
      await killIfRunning(child);
    }
  });
});

interface HttpChild {
  child: ChildProcess;
  url: string;
  port: number;
  stdoutLines: string[];
}

async function spawnHttpServer(): Promise<HttpChild> {
  const child = spawn(process.execPath, [SERVER_JS, '--http', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line; stderr: ${stderr}`)),
        10_000,
      );
      lines.on('line', (line) => {
        stdoutLines.push(line);
        if (stdoutLines.length === 1) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${stderr}`)));
    });
    const match = LISTENING_LINE.exec(first);
    if (!match) throw new Error(`unexpected first stdout line: ${first}`);
    return { child, url: match[1], port: Number(match[2]), stdoutLines };
  } catch (error) {
    await killIfRunning(child);
    throw error;
  }
}

function rawRequest(
  port: number,
  options: { method: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/mcp',
        method: options.method,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('demo-server over Streamable HTTP (--http 0)', () => {
  let server: HttpChild | undefined;
  const client = newClient();
  let transport: StreamableHTTPClientTransport;

  const http = (): HttpChild => {
    if (server === undefined) throw new Error('server not started');
    return server;
  };

  beforeAll(async () => {
    assertBuilt();
    server = await spawnHttpServer();
    transport = new StreamableHTTPClientTransport(new URL(server.url));
    await client.connect(transport);
  });

  afterAll(async () => {
    await client.close().catch(() => undefined);
    await killIfRunning(server?.child);
  });

  it('announces a free port on one stdout line and hands out a session id', () => {
    expect(http().port).toBeGreaterThan(0);
    expect(http().url).toBe(`http://127.0.0.1:${http().port}/mcp`);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  describeToolContract(() => client);

  it('keeps sessions apart and ends them on DELETE', async () => {
    const other = newClient();
    const otherTransport = new StreamableHTTPClientTransport(new URL(http().url));
    await other.connect(otherTransport);
    const sessionId = otherTransport.sessionId;
    expect(sessionId).toBeDefined();
    expect(sessionId).not.toBe(transport.sessionId);
    expect(text(await call(other, 'echo', { message: 'second session' }))).toBe('second session');

    await otherTransport.terminateSession();
    await other.close();
    const stale = await rawRequest(http().port, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404);
    // The first session is unaffected.
    expect(text(await call(client, 'echo', { message: 'first session' }))).toBe('first session');
  });

  it.each<[string, Parameters<typeof rawRequest>[1], number]>([
    [
      'a non-initialize POST without a session',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      },
      400,
    ],
    [
      'invalid JSON',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' },
      400,
    ],
    ['GET without a session', { method: 'GET', headers: { accept: 'text/event-stream' } }, 400],
    ['another path', { method: 'GET', path: '/other' }, 404],
    ['an unsupported method', { method: 'PUT', body: '{}' }, 405],
    ['a foreign Host header', { method: 'GET', headers: { host: 'evil.example:80' } }, 403],
  ])('rejects %s', async (_what, options, status) => {
    const response = await rawRequest(http().port, options);
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: expect.any(Number) },
    });
  });

  it('exits with code 0 on SIGTERM, even with a call in flight, having printed one stdout line', async () => {
    const controller = new AbortController();
    const inFlight = client
      .callTool({ name: 'echo', arguments: { message: 'x', delay_ms: 600_000 } }, undefined, {
        signal: controller.signal,
      })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    http().child.kill('SIGTERM');
    expect(await waitForExit(http().child)).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000); // did not wait for the 10-minute echo
    expect(http().stdoutLines).toHaveLength(1);
    // The SDK client may try to resume the broken stream; stop it from waiting for an answer.
    controller.abort(new Error('server gone'));
    await inFlight;
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
