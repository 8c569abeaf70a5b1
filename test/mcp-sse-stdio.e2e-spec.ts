import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import {
  connectSse,
  connectStdio,
  connectStreamableHttp,
  GATEWAY_CLI,
  textOf,
} from './helpers/mcp-clients.js';
import { DEMO_SERVER, demoStdioSpec } from './helpers/paths.js';
import { descendantsRunning, waitFor } from './helpers/processes.js';
import { INITIALIZE, type JsonRpcMessage } from './helpers/security.js';
import { testRedisUrl, uniquePrefix } from './helpers/redis.js';

/**
 * Writes each message on a line of its own to `mcp-gateway --stdio` and collects the lines it
 * answers, until the last message (a request) has its answer; then closes its stdin.
 */
async function talkOverStdio(serversFile: string, lines: unknown[]): Promise<JsonRpcMessage[]> {
  const child = spawn(process.execPath, [GATEWAY_CLI, '--stdio'], {
    env: { PATH: process.env.PATH ?? '', MCP_SERVERS_CONFIG: serversFile, LOG_LEVEL: 'error' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((done) => child.once('close', done));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const answers = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as JsonRpcMessage);
  const lastId = (lines.at(-1) as { id: unknown }).id;
  try {
    for (const line of lines) child.stdin.write(JSON.stringify(line) + '\n');
    expect(await waitFor(() => out.endsWith('\n') && answers().some((a) => a.id === lastId))).toBe(
      true,
    );
    return answers();
  } finally {
    child.stdin.end();
    await exited;
  }
}

describe('the gateway over the older HTTP+SSE transport (/sse, /messages)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('lists and calls tools', async () => {
    const client = await connectSse(gateway.url);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['demo__echo', 'search_tools', 'call_tool']));
      const result = await client.callTool({
        name: 'demo__echo',
        arguments: { message: 'over sse' },
      });
      expect(textOf(result)).toBe('over sse');
    } finally {
      await client.close();
    }
  });

  it('refuses a foreign Origin and an unknown gateway session', async () => {
    const foreign = await fetch(`${gateway.url}/sse`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const unknown = await fetch(`${gateway.url}/sse`, { headers: { 'X-Session-ID': 'sess_nope' } });
    expect(unknown.status).toBe(404);
  });

  it('answers /messages without a sessionId, or with two, 400 naming it, and an unknown one 404', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const missing = await gateway.postRaw('/messages', ping);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('sessionId query parameter is required');
    expect((await gateway.postRaw('/messages?sessionId=nope', ping)).status).toBe(404);
    const twice = await gateway.postRaw('/messages?sessionId=a&sessionId=b', ping);
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toContain('sessionId query parameter is given more than once');
  });
});

describe('mcp-gateway --stdio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-stdio-'));
  const serversFile = join(dir, 'servers.json');
  writeFileSync(serversFile, JSON.stringify({ mcpServers: { demo: demoStdioSpec() } }));

  it('serves the servers file over stdio and leaves no process behind', async () => {
    const { client } = await connectStdio({ MCP_SERVERS_CONFIG: serversFile });
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual([
        'demo__calculator',
        'demo__echo',
        'demo__time',
        'search_tools',
        'call_tool',
      ]);
      const result = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'demo__calculator', arguments: { expression: '2 + 3' } },
      });
      expect(textOf(result)).toContain('5');
      expect(descendantsRunning(DEMO_SERVER).length).toBe(1);
    } finally {
      await client.close();
    }
    expect(await waitFor(() => descendantsRunning(GATEWAY_CLI).length === 0)).toBe(true);
    expect(await waitFor(() => descendantsRunning(DEMO_SERVER).length === 0)).toBe(true);
  });

  it('honours GATEWAY_MCP_TOOLS=search: only the meta-tools are listed', async () => {
    const { client } = await connectStdio({
      MCP_SERVERS_CONFIG: serversFile,
      GATEWAY_MCP_TOOLS: 'search',
    });
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'search_tools',
        'call_tool',
      ]);
      const result = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'echo', arguments: { message: 'x' } },
      });
      expect(textOf(result)).toBe('x');
    } finally {
      await client.close();
    }
  });

  it('answers a line it cannot read with a JSON-RPC error, and goes on serving', () => {
    const lines = [
      'this is not json',
      '{"jsonrpc":"2.0","id":1,"nonsense":true}',
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
    ];
    const run = spawnSync(process.execPath, [GATEWAY_CLI, '--stdio'], {
      env: { PATH: process.env.PATH ?? '', MCP_SERVERS_CONFIG: serversFile, LOG_LEVEL: 'error' },
      input: lines.join('\n') + '\n',
      encoding: 'utf8',
      timeout: 20_000,
    });
    const answers = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: unknown; error?: { code: number }; result?: unknown });
    expect(answers[0]).toMatchObject({ id: null, error: { code: -32700 } });
    expect(answers[1]).toMatchObject({ id: null, error: { code: -32600 } });
    expect(answers[2]).toMatchObject({ id: 2, result: { serverInfo: expect.anything() } });
  });

  it('takes a batch on one line as /mcp does, answering each message on a line of its own', async () => {
    const answers = await talkOverStdio(serversFile, [
      INITIALIZE,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      [
        { jsonrpc: '2.0', id: 5, method: 'ping' },
        { jsonrpc: '2.0', id: 6, method: 'tools/list' },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      ],
      [],
      { jsonrpc: '2.0', id: 7, method: 'ping' },
    ]);
    expect(answers.filter((a) => Array.isArray(a))).toEqual([]);
    expect(answers.find((a) => a.id === 5)).toMatchObject({ result: {} });
    expect(answers.find((a) => a.id === 6)?.result?.tools).toContainEqual(
      expect.objectContaining({ name: 'demo__echo' }),
    );
    expect(answers.find((a) => a.id === null)).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('the batch is empty') },
    });
    expect(answers.find((a) => a.id === 7)).toMatchObject({ result: {} });
  });

  it('answers a request whose params are not an object -32602 with its id, and a notification not at all', async () => {
    const answers = await talkOverStdio(serversFile, [
      INITIALIZE,
      { jsonrpc: '2.0', method: 'notifications/initialized', params: [] },
      { jsonrpc: '2.0', id: 5, method: 'tools/list', params: [] },
      [{ jsonrpc: '2.0', id: 6, method: 'prompts/get', params: 'x' }],
      { jsonrpc: '2.0', id: 7, method: 'ping' },
    ]);
    expect(answers.find((a) => a.id === 5)).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: {
        code: -32602,
        message: 'Invalid params for tools/list: params must be an object, not an array',
      },
    });
    expect(answers.find((a) => a.id === 6)?.error?.code).toBe(-32602);
    // The initialize answer, the two errors and the ping: nothing for the notification.
    expect(answers.map((a) => a.id).sort()).toEqual([0, 5, 6, 7]);
  });

  it('shuts down cleanly when the client stops reading its stdout', async () => {
    const child = spawn(process.execPath, [GATEWAY_CLI, '--stdio'], {
      env: { PATH: process.env.PATH ?? '', MCP_SERVERS_CONFIG: serversFile, LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    // The reader goes away; stdin stays open, so the broken pipe is the only sign of it.
    child.stdout.destroy();
    child.stdin.write(JSON.stringify(INITIALIZE) + '\n');
    const code = await exit;
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('EPIPE') });
    expect(await waitFor(() => descendantsRunning(DEMO_SERVER).length === 0)).toBe(true);
  });

  it('refuses to start bound to an unknown gateway session', async () => {
    const bound = (env: Record<string, string>) =>
      spawnSync(process.execPath, [GATEWAY_CLI, '--stdio', '--session', 'sess_nope'], {
        env: {
          PATH: process.env.PATH ?? '',
          MCP_SERVERS_CONFIG: serversFile,
          LOG_LEVEL: 'error',
          ...env,
        },
        input: '',
        encoding: 'utf8',
        timeout: 20_000,
      });
    const shared = bound({
      REDIS_URL: await testRedisUrl(),
      REDIS_KEY_PREFIX: uniquePrefix('cli'),
    });
    expect(shared.status).toBe(1);
    expect(shared.stderr).toContain("Session 'sess_nope' not found");
    expect(shared.stdout).toBe('');
    // Without Redis no other process's session can be here: said as such, not as not found.
    const alone = bound({});
    expect(alone.status).toBe(1);
    expect(alone.stderr).toContain(
      '--session sess_nope: gateway sessions are shared between processes only through Redis (REDIS_URL)',
    );
    expect(alone.stdout).toBe('');
  });
});

describe('GATEWAY_MCP_TOOLS=hybrid', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { GATEWAY_MCP_TOOLS: 'hybrid', GATEWAY_MCP_HYBRID_TOP_K: '1' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('lists the most used tools next to the meta-tools', async () => {
    const { client } = await connectStreamableHttp(gateway.url);
    try {
      // Nothing used yet: the first tool by name.
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'demo__calculator',
        'search_tools',
        'call_tool',
      ]);
      await client.callTool({
        name: 'call_tool',
        arguments: { name: 'demo__echo', arguments: { message: 'a' } },
      });
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'demo__echo',
        'search_tools',
        'call_tool',
      ]);
    } finally {
      await client.close();
    }
  });
});
