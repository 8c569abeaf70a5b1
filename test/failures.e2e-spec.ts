import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  startDemoHttpServer,
  startHttpMcpServer,
  type RunningHttpServer,
} from './helpers/demo-http-server.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp } from './helpers/mcp-clients.js';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { currentRequestId } from '../src/common/logging/request-context.js';
import { DEMO_SERVER, demoStdioSpec, EVERYTHING_SERVER } from './helpers/paths.js';
import { unusedPort } from './helpers/free-port.js';
import { isAlive } from '../src/mcp/process-tree.js';
import { descendantsRunning, waitFor } from './helpers/processes.js';

const CANARY = 'canary-secret-7f3a9c1e';

/** The first server of the gateway's global scope, as GET /mcp/servers shows it. */
async function firstServer(gateway: TestGateway): Promise<{ status: string; error?: string }> {
  return (await gateway.get('/mcp/servers')).body.servers[0] as { status: string; error?: string };
}

/** Polls until the first server shows `wanted`; false if it never did within `timeoutMs`. */
async function statusBecomes(
  gateway: TestGateway,
  wanted: string,
  timeoutMs: number,
): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if ((await firstServer(gateway)).status === wanted) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('one failing server never breaks the others', () => {
  let gateway: TestGateway;
  let deadUrl: string;

  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await unusedPort()}/mcp`;
    gateway = await startGateway({
      servers: {
        demo: demoStdioSpec({ DEMO_TOKEN: CANARY }),
        missing: { command: 'definitely-not-a-command-xyz' },
        crashes: {
          command: 'node',
          args: ['-e', 'console.error("boom " + process.env.SECRET); process.exit(3)'],
          env: { SECRET: CANARY },
        },
        refused: { url: deadUrl, headers: { Authorization: `Bearer ${CANARY}` } },
      },
      env: {
        GATEWAY_STDIO_ALLOWLIST: 'node *',
        SERVER_CONNECT_TIMEOUT_MS: '5000',
        TOOL_CALL_TIMEOUT_MS: '10000',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('lists failed servers with their errors next to the healthy one', async () => {
    const res = await gateway.get('/mcp/servers');
    const byName = Object.fromEntries(res.body.servers.map((s: { name: string }) => [s.name, s]));
    expect(byName.demo.status).toBe('connected');
    for (const name of ['missing', 'crashes', 'refused']) {
      expect(byName[name].status).toBe('failed');
      expect(byName[name].error).toEqual(expect.any(String));
    }
    expect(byName.missing.error).toContain('ENOENT');
    expect(byName.refused.error).toContain('ECONNREFUSED');
    // The server's own last words explain the crash, with the secret taken out.
    expect(byName.crashes.error).toContain('boom [redacted]');
    expect(
      (await gateway.post('/mcp/execute', { tool_name: 'echo', args: { message: 'ok' } })).status,
    ).toBe(200);
    expect((await gateway.get('/health/ready')).status).toBe(200);
  });

  it('never shows env or header values, only their keys', async () => {
    const res = await gateway.get('/mcp/servers');
    const demo = res.body.servers.find((s: { name: string }) => s.name === 'demo');
    expect(demo.config.env).toEqual({ DEMO_TOKEN: '[redacted]' });
    const refused = res.body.servers.find((s: { name: string }) => s.name === 'refused');
    expect(refused.config.headers).toEqual({ Authorization: '[redacted]' });
  });

  it('says which server a prefixed name belongs to when that server is not connected', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'crashes__x', args: {} });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('TOOL_NOT_FOUND');
    expect(res.body.message).toMatch(
      /^Tool 'crashes__x' is not in the catalog: server 'crashes' is not connected \(failed: .*boom \[redacted\]/,
    );
    expect(res.body.details).toMatchObject({ server: 'crashes', server_status: 'failed' });
    const missing = await gateway.post('/mcp/execute', { tool_name: 'missing__x', args: {} });
    expect(missing.body.message).toContain("server 'missing' is not connected (failed: ");
    expect(missing.body.message).toContain('ENOENT');
    // A name no server of the scope starts is as unknown as before.
    const other = await gateway.post('/mcp/execute', { tool_name: 'nobody__x', args: {} });
    expect(other.status).toBe(404);
    expect(other.body.message).toBe(
      "Tool 'nobody__x' not found in this scope (GET /mcp/tools lists them)",
    );

    // The MCP door gives the same reason in its "unknown tool" protocol error.
    const { client } = await connectStreamableHttp(gateway.url);
    try {
      const refused = await client.callTool({ name: 'refused__x', arguments: {} }).catch((e) => e);
      expect(refused).toBeInstanceOf(McpError);
      expect((refused as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((refused as McpError).message).toContain(
        "server 'refused' is not connected (failed: ",
      );
      expect((refused as McpError).message).not.toContain(CANARY);
    } finally {
      await client.close();
    }
  });

  it('answers 504 when a call times out, and the server keeps serving', async () => {
    const started = Date.now();
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'slow', delay_ms: 5000 },
      timeout_ms: 300,
    });
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4000);
    const after = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'still here' },
    });
    expect(after.body.result.content[0].text).toBe('still here');
  });

  it('refuses a stdio server added over the API unless its command is allowlisted', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { sneaky: { command: 'bash', args: ['-c', 'id'] } } },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('STDIO_NOT_ALLOWED');
    expect(res.body.message).toContain('GATEWAY_STDIO_ALLOWLIST');
    const inline = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { sneaky: { command: 'node', args: ['-e', 'require("fs")'] } } },
    });
    expect(inline.status).toBe(403);
    const preload = await gateway.post('/mcp/servers/add', {
      config: {
        mcpServers: {
          sneaky: { command: 'node', args: [DEMO_SERVER], env: { NODE_OPTIONS: '--require x' } },
        },
      },
    });
    expect(preload.status).toBe(403);
  });

  it('adds a third-party server from npm over the API when the allowlist permits it', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: {
        mcpServers: {
          everything: {
            command: 'node',
            args: [EVERYTHING_SERVER, 'stdio'],
            env: { CANARY_KEY: CANARY },
          },
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.added[0].tools).toContain('everything__echo');
    const call = await gateway.post('/mcp/execute', {
      tool_name: 'everything__echo',
      args: { message: 'from npm' },
    });
    expect(call.status).toBe(200);
    expect(JSON.stringify(call.body.result)).toContain('from npm');
  });

  it('reports an API-added server that cannot connect as failed, without keeping it', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { gone: { url: deadUrl, headers: { 'X-Api-Key': CANARY } } } },
    });
    expect(res.status).toBe(201);
    expect(res.body.added).toEqual([]);
    expect(res.body.failed[0].name).toBe('gone');
    const servers = await gateway.get('/mcp/servers');
    expect(servers.body.servers.map((s: { name: string }) => s.name)).not.toContain('gone');
  });

  it('ends the process tree of a removed stdio server', async () => {
    const before = descendantsRunning(EVERYTHING_SERVER);
    expect(before.length).toBeGreaterThan(0);
    const res = await gateway.post('/mcp/servers/remove', { server_name: 'everything' });
    expect(res.status).toBe(200);
    expect(descendantsRunning(EVERYTHING_SERVER)).toEqual([]);
    expect(before.filter(isAlive)).toEqual([]);
  });

  it('never lets the canary secret into any answer', () => {
    expect(gateway.transcript.length).toBeGreaterThan(5);
    for (const text of gateway.transcript) expect(text).not.toContain(CANARY);
  });
});

describe('a stdio server that dies or hangs', () => {
  let gateway: TestGateway;
  const server = () => firstServer(gateway);
  const statusIs = (wanted: string, timeoutMs: number) => statusBecomes(gateway, wanted, timeoutMs);
  const echo = (message: string) =>
    gateway.post('/mcp/execute', { tool_name: 'demo__echo', args: { message } });

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { SERVER_PING_INTERVAL_MS: '300', STDIO_KILL_GRACE_MS: '500' },
    });
  });

  afterAll(async () => {
    for (const pid of descendantsRunning(DEMO_SERVER)) process.kill(pid, 'SIGCONT');
    await gateway?.close();
  });

  it('fails its in-flight call at once with 502, shows it, and is restarted', async () => {
    const pids = descendantsRunning(DEMO_SERVER);
    expect(pids).toHaveLength(1);
    const started = Date.now();
    const call = gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'x', delay_ms: 30_000 },
    });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pids[0], 'SIGKILL');
    const res = await call;
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(res.body.message).toContain("'demo'");
    expect(res.body.message).toContain('exited on SIGKILL');
    expect(Date.now() - started).toBeLessThan(5000);
    // Until the restart (1 s later), it shows failed with the reason, and calls get a 502.
    expect(await server()).toMatchObject({ status: 'failed' });
    expect((await server()).error).toContain("stdio server 'demo' exited on SIGKILL");
    expect((await echo('x')).status).toBe(502);
    expect(await statusIs('connected', 10_000)).toBe(true);
    const answered = await echo('back');
    expect(answered.status).toBe(200);
    expect(JSON.stringify(answered.body)).toContain('back');
    const restarted = descendantsRunning(DEMO_SERVER);
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).not.toBe(pids[0]);
  }, 20_000);

  it('is ended and restarted when it stops answering pings', async () => {
    const [hung] = descendantsRunning(DEMO_SERVER);
    // SIGSTOP: the process lives and its pipes stay open; only a ping can tell.
    process.kill(hung, 'SIGSTOP');
    expect(await statusIs('failed', 10_000)).toBe(true);
    expect((await server()).error).toContain('no answer to ping');
    expect(await statusIs('connected', 15_000)).toBe(true);
    expect((await echo('alive')).status).toBe(200);
    // The hung process was ended (SIGKILL reaches a stopped process), not left behind.
    expect(await waitFor(() => !isAlive(hung), 5000)).toBe(true);
    expect(descendantsRunning(DEMO_SERVER)).toHaveLength(1);
  }, 30_000);
});

describe('a stdio server that keeps crashing', () => {
  let gateway: TestGateway;
  let starts: string;

  beforeAll(async () => {
    starts = join(mkdtempSync(join(tmpdir(), 'crash-loop-')), 'starts.log');
    // The demo server, but each process notes when it started and exits a second later.
    const script =
      `require('fs').appendFileSync(${JSON.stringify(starts)}, Date.now() + '\\n');` +
      `setTimeout(() => process.exit(1), 1000);` +
      `import(${JSON.stringify(pathToFileURL(DEMO_SERVER).href)});`;
    gateway = await startGateway({ servers: { flaky: { command: 'node', args: ['-e', script] } } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is restarted with a growing back-off, not in a tight loop', async () => {
    const startTimes = () =>
      readFileSync(starts, 'utf8').trim().split('\n').map(Number).filter(Boolean);
    // Restarts 1 s, 2 s, 4 s after each death, a second after each start: four starts in ~10 s.
    // At a fixed delay the gaps between starts would stay the same.
    expect(await waitFor(() => startTimes().length >= 4, 20_000)).toBe(true);
    const times = startTimes();
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[1] - gaps[0]).toBeGreaterThan(600);
    expect(gaps[2] - gaps[1]).toBeGreaterThan(1500);
    const server = (await gateway.get('/mcp/servers')).body.servers[0] as { status: string };
    expect(['failed', 'connecting', 'connected']).toContain(server.status);
  }, 30_000);
});

describe('a remote server that restarts', () => {
  let gateway: TestGateway;
  let remote: RunningHttpServer;
  let port: number;
  const startRemote = () =>
    startHttpMcpServer(DEMO_SERVER, ['--http', String(port)], 'demo HTTP server');
  const echo = () =>
    gateway.post('/mcp/execute', { tool_name: 'remote__echo', args: { message: 'again' } });

  beforeAll(async () => {
    port = await unusedPort();
    remote = await startRemote();
    gateway = await startGateway({ servers: { remote: { url: remote.url } } });
  });

  afterAll(async () => {
    await gateway?.close();
    await remote?.stop();
  });

  it('is reconnected with a new session after its old one is refused', async () => {
    expect((await echo()).status).toBe(200);
    await remote.stop();
    remote = await startRemote();
    // The new process does not know the gateway's session: that call fails, clearly...
    const refused = await echo();
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(refused.body.message).toContain('HTTP 404');
    // ...and the gateway opens a new session by itself, within the first back-off (1 s).
    let status = '';
    for (let i = 0; i < 100 && status !== 'connected'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await gateway.get('/mcp/servers')).body.servers[0].status as string;
    }
    expect(status).toBe('connected');
    const answered = await echo();
    expect(answered.status).toBe(200);
    expect(JSON.stringify(answered.body)).toContain('again');
  });

  it('is found down by the first call that cannot reach it, before its event stream gives up', async () => {
    await remote.stop();
    const refused = await echo();
    expect(refused.status).toBe(502);
    expect(refused.body.message).toContain('ECONNREFUSED');
    // The failed call has the gateway ping the server at once; the ping is refused too.
    expect(await statusBecomes(gateway, 'failed', 10_000)).toBe(true);
    expect((await firstServer(gateway)).error).toContain('a call failed, then a ping');
    remote = await startRemote();
    expect(await statusBecomes(gateway, 'connected', 10_000)).toBe(true);
    expect((await echo()).status).toBe(200);
  }, 30_000);

  it('shows failed while it is down, with no call made, and comes back when it is up', async () => {
    const statusIs = (wanted: string, timeoutMs: number) =>
      statusBecomes(gateway, wanted, timeoutMs);
    await remote.stop();
    // Its event stream ends; reopening it fails twice (1 s, 1.5 s), then the connection ends.
    expect(await statusIs('failed', 10_000)).toBe(true);
    remote = await startRemote();
    expect(await statusIs('connected', 10_000)).toBe(true);
    expect((await echo()).status).toBe(200);
  }, 30_000);
});

describe('a remote server that is down at start, or hangs', () => {
  let gateway: TestGateway;
  let remote: RunningHttpServer | undefined;
  let port: number;
  const server = () => firstServer(gateway);
  const statusIs = (wanted: string, timeoutMs: number) => statusBecomes(gateway, wanted, timeoutMs);
  const echo = () =>
    gateway.post('/mcp/execute', { tool_name: 'late__echo', args: { message: 'here' } });

  beforeAll(async () => {
    port = await unusedPort();
    gateway = await startGateway({
      servers: { late: { url: `http://127.0.0.1:${port}/mcp` } },
      env: { SERVER_PING_INTERVAL_MS: '300', SERVER_CONNECT_TIMEOUT_MS: '2000' },
    });
  });

  afterAll(async () => {
    if (remote?.process.pid) remote.process.kill('SIGCONT');
    await gateway?.close();
    await remote?.stop();
  });

  it('is tried again until it comes up', async () => {
    expect(await server()).toMatchObject({ status: 'failed' });
    // Its tools are unknown until it has been reached once.
    expect((await echo()).status).toBe(404);
    remote = await startHttpMcpServer(DEMO_SERVER, ['--http', String(port)], 'late demo');
    // Attempts at 1 s, 2 s, 4 s... after the first: it is connected within a few seconds.
    expect(await statusIs('connected', 10_000)).toBe(true);
    const answered = await echo();
    expect(answered.status).toBe(200);
    expect(JSON.stringify(answered.body)).toContain('here');
  }, 20_000);

  it('shows failed when it stops answering pings, and comes back when it answers', async () => {
    // SIGSTOP: its sockets stay open and its event stream never ends; only a ping can tell.
    remote!.process.kill('SIGSTOP');
    expect(await statusIs('failed', 10_000)).toBe(true);
    expect((await server()).error).toContain('no answer to ping');
    remote!.process.kill('SIGCONT');
    expect(await statusIs('connected', 15_000)).toBe(true);
    expect((await echo()).status).toBe(200);
  }, 30_000);
});

describe('shutdown', () => {
  let httpDemo: RunningHttpServer;

  beforeAll(async () => {
    httpDemo = await startDemoHttpServer();
  });

  afterAll(async () => {
    await httpDemo?.stop();
  });

  it('leaves no stdio server running after the gateway closes', async () => {
    const gateway = await startGateway({
      servers: { a: demoStdioSpec(), b: demoStdioSpec(), remote: { url: httpDemo.url } },
    });
    const running = descendantsRunning(DEMO_SERVER).filter((pid) => pid !== httpDemo.process.pid);
    expect(running).toHaveLength(2);
    await gateway.close();
    expect(running.filter(isAlive)).toEqual([]);
    const gone = await waitFor(
      () =>
        descendantsRunning(DEMO_SERVER).filter((pid) => pid !== httpDemo.process.pid).length === 0,
      1000,
    );
    expect(gone).toBe(true);
  });
});

/** An HTTP server that reads every request and never answers, as a wedged server might. */
async function startSilentServer() {
  const requests: string[] = [];
  const silent: Server = createServer((req) => requests.push(req.method ?? '?'));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    },
  };
}

describe('a URL server that takes the connection but never answers', () => {
  let gateway: TestGateway;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let requests: string[];

  beforeAll(async () => {
    silent = await startSilentServer();
    requests = silent.requests;
    gateway = await startGateway({
      servers: { wedged: { url: silent.url } },
      env: { SERVER_CONNECT_TIMEOUT_MS: '1000', SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await silent?.close();
  });

  it('is not tried again over SSE: one SERVER_CONNECT_TIMEOUT_MS, not two', async () => {
    const wedged = (await gateway.get('/mcp/servers')).body.servers[0];
    expect(wedged).toMatchObject({ status: 'failed' });
    expect(wedged.error).toContain('no MCP handshake within 1000 ms');
    // The streamable-HTTP initialize only: no SSE GET after it timed out.
    expect(requests).toEqual(['POST']);
  });
});

describe('a URL server that hangs, while it is tried again', () => {
  let gateway: TestGateway;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let requests: string[];

  beforeAll(async () => {
    silent = await startSilentServer();
    requests = silent.requests;
    gateway = await startGateway({
      servers: { hung: { url: silent.url } },
      env: { SERVER_CONNECT_TIMEOUT_MS: '3000', SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await silent?.close();
  });

  it('stays failed, with its reason, during each new attempt, and /health counts it failed', async () => {
    expect(requests).toEqual(['POST']);
    // The second attempt has reached the server, and waits its 3 s for an answer.
    expect(await waitFor(() => requests.length === 2, 5000)).toBe(true);
    const hung = await firstServer(gateway);
    expect(hung.status).toBe('failed');
    expect(hung.error).toContain('no MCP handshake within 3000 ms');
    const health = await gateway.get('/health');
    expect(health.body).toMatchObject({
      servers_total: 1,
      servers_failed: 1,
      servers_connected: 0,
    });
  });
});

describe('a stdio server that starts and never answers the handshake', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: {},
      env: { GATEWAY_STDIO_ALLOWLIST: 'sleep *', SERVER_CONNECT_TIMEOUT_MS: '1000' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('fails within SERVER_CONNECT_TIMEOUT_MS, not the SDK’s 2 s of closing more, and leaves no process', async () => {
    const started = Date.now();
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { mute: { command: 'sleep', args: ['307'] } } },
    });
    const tookMs = Date.now() - started;
    expect(res.status).toBe(201);
    expect(res.body.failed[0].error).toContain('no MCP handshake within 1000 ms');
    // A bound, not a speed figure: the answer used to come after 3 s (1 s, then the SDK's
    // fixed 2 s wait for a child that ignores the end of its stdin).
    expect(tookMs).toBeLessThan(2500);
    expect(descendantsRunning('sleep 307')).toEqual([]);
  });
});

describe("a server's later log lines", () => {
  it('do not carry the id of the request that added it', async () => {
    const http = await startDemoHttpServer();
    const gateway = await startGateway({
      servers: {},
      env: { LOG_LEVEL: 'info', SERVER_PING_INTERVAL_MS: '200' },
    });
    const lines: { context?: string; message: string; requestId?: string }[] = [];
    const record = (message: unknown, context?: string) =>
      lines.push({ message: String(message), context, requestId: currentRequestId() });
    const spies = [
      jest.spyOn(PinoLoggerService.prototype, 'log').mockImplementation(record),
      jest.spyOn(PinoLoggerService.prototype, 'warn').mockImplementation(record),
    ];
    try {
      const added = await gateway.post(
        '/mcp/servers/add',
        { config: { mcpServers: { later: { url: http.url } } } },
        { 'X-Request-ID': 'trace-add-1' },
      );
      expect(added.status).toBe(201);
      // The add itself is the request's: its audit line carries the id.
      expect(lines).toContainEqual(
        expect.objectContaining({
          requestId: 'trace-add-1',
          message: expect.stringContaining("server 'later' added"),
        }),
      );
      await http.stop();
      const fromServer = () => lines.filter((l) => l.context === 'Server later (global)');
      expect(
        await waitFor(() => fromServer().some((l) => /reconnect|fail/.test(l.message)), 10_000),
      ).toBe(true);
      expect(fromServer().filter((l) => l.requestId !== undefined)).toEqual([]);
    } finally {
      spies.forEach((s) => s.mockRestore());
      await gateway.close();
      // Stopped here as well: a failed expectation above must not leave it serving (and
      // the jest worker waiting on it).
      await http.stop();
    }
  });
});

describe('the log lines of one server held by several scopes', () => {
  it('say which scope each comes from: global or the session id', async () => {
    const http = await startDemoHttpServer();
    const gateway = await startGateway({
      servers: { dhttp: { url: http.url } },
      env: { LOG_LEVEL: 'info', SERVER_PING_INTERVAL_MS: '200' },
    });
    const contexts: string[] = [];
    const record = (message: unknown, context?: string) => {
      if (/reconnect|fail|lost/.test(String(message))) contexts.push(String(context));
    };
    const spies = [
      jest.spyOn(PinoLoggerService.prototype, 'log').mockImplementation(record),
      jest.spyOn(PinoLoggerService.prototype, 'warn').mockImplementation(record),
    ];
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const created = await gateway.post('/sessions/create', {});
        expect(created.status).toBe(201);
        ids.push(created.body.session_id as string);
      }
      await http.stop();
      const wanted = ['Server dhttp (global)', ...ids.map((id) => `Server dhttp (session ${id})`)];
      expect(await waitFor(() => wanted.every((c) => contexts.includes(c)), 10_000)).toBe(true);
      expect(new Set(contexts)).toEqual(new Set(wanted));
    } finally {
      spies.forEach((s) => s.mockRestore());
      await gateway.close();
      await http.stop();
    }
  });
});

describe('a server that completes the handshake and never lists its tools', () => {
  // Raw JSON-RPC over stdio: answers initialize, then ignores everything.
  const LISTLESS = `
    const rl = require('node:readline').createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      const m = JSON.parse(line);
      if (m.method !== 'initialize') return;
      const result = { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'listless', version: '1' } };
      process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\\n');
    });`;
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { listless: { command: 'node', args: ['-e', LISTLESS] } },
      env: { SERVER_CONNECT_TIMEOUT_MS: '1000', SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('fails within SERVER_CONNECT_TIMEOUT_MS, saying it was tools/list, not after 60 s', async () => {
    // startGateway waited for the servers file's servers: it returned, so the wait was bounded.
    const [server] = (await gateway.get('/mcp/servers')).body.servers;
    expect(server).toMatchObject({ name: 'listless', status: 'failed' });
    expect(server.error).toContain('tools/list failed');
    expect(server.error).toMatch(/timed out/i);
  });
});

describe('a server whose calls pile up', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { slow: demoStdioSpec(), other: demoStdioSpec() },
      env: { MAX_CONCURRENT_CALLS_PER_SERVER: '2', MAX_CONCURRENT_CALLS: '3' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('holds only MAX_CONCURRENT_CALLS_PER_SERVER slots: past it 503 SERVER_BUSY, and other servers still answer', async () => {
    const hung = { message: 'hung', delay_ms: 3000 };
    const slowCalls = [1, 2].map(() =>
      gateway.post('/mcp/execute', { tool_name: 'slow__echo', args: hung }),
    );
    // Both slow calls are in flight once a third one to that server is refused.
    let refused: Awaited<ReturnType<TestGateway['post']>> | undefined;
    for (let i = 0; i < 40 && refused?.status !== 503; i++) {
      refused = await gateway.post('/mcp/execute', {
        tool_name: 'slow__echo',
        args: { message: 'x' },
      });
      if (refused.status !== 503) await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body).toMatchObject({
      code: 'SERVER_BUSY',
      details: { retry_after_s: 1, server: 'slow' },
    });
    expect(refused?.body.message).toContain('MAX_CONCURRENT_CALLS_PER_SERVER');
    // One of the three gateway-wide slots is still free, for the other server.
    const other = await gateway.post('/mcp/execute', {
      tool_name: 'other__echo',
      args: { message: 'still here' },
    });
    expect(other.status).toBe(200);
    expect(other.body.result.structuredContent).toMatchObject({ message: 'still here' });
    for (const call of await Promise.all(slowCalls)) expect(call.status).toBe(200);
    // The slots were given back.
    const after = await gateway.post('/mcp/execute', {
      tool_name: 'slow__echo',
      args: { message: 'y' },
    });
    expect(after.status).toBe(200);
  });
});

describe('a stdio server that writes other things than JSON-RPC to stdout', () => {
  it('says what a JSON logger on stdout wrote, in one line', async () => {
    const gateway = await startGateway({
      servers: {
        logger: {
          command: 'node',
          args: [
            '-e',
            'console.log(JSON.stringify({ level: 30, msg: "started" })); setInterval(() => {}, 1000)',
          ],
        },
      },
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *', SERVER_CONNECT_TIMEOUT_MS: '1000' },
    });
    try {
      const server = await firstServer(gateway);
      expect(server.error).toMatch(
        /its stdout carries lines that are not JSON-RPC \(JSON that is not JSON-RPC: [^\n]*\): a stdio server must log to stderr$/,
      );
      expect(server.error!.length).toBeLessThan(700);
    } finally {
      await gateway.close();
    }
  });

  it('fails its start saying so, with the first such line, not only that no handshake came', async () => {
    const gateway = await startGateway({
      servers: {
        chatty: {
          command: 'node',
          args: ['-e', 'console.log("Server ready on stdio"); setInterval(() => {}, 1000)'],
        },
      },
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *', SERVER_CONNECT_TIMEOUT_MS: '1000' },
    });
    try {
      const server = await firstServer(gateway);
      expect(server.status).toBe('failed');
      expect(server.error).toMatch(
        /^failed to start 'node': no MCP handshake within 1000 ms; its stdout carries lines that are not JSON-RPC \(.*"Server rea.*\): a stdio server must log to stderr$/,
      );
    } finally {
      await gateway.close();
    }
  });
});
