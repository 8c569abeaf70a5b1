import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { unusedPort } from './helpers/free-port.js';
import { startGateway } from './helpers/gateway.js';
import { connectStreamableHttp } from './helpers/mcp-clients.js';
import { DEMO_SERVER, demoStdioSpec, REPO_ROOT } from './helpers/paths.js';
import { isAlive } from '../src/mcp/process-tree.js';
import { descendantsRunning, waitFor } from './helpers/processes.js';
import { testRedisUrl, uniquePrefix } from './helpers/redis.js';
import { MCP_ACCEPT, RawMcp } from './helpers/security.js';
import { Redis } from 'ioredis';

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );

/** A gateway process with the demo server, its output gathered, ready when this resolves. */
async function spawnDemoGateway(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-shutdown-'));
  writeFileSync(
    join(dir, 'servers.json'),
    JSON.stringify({ mcpServers: { demo: demoStdioSpec() } }),
  );
  const port = await unusedPort();
  const child = spawn(process.execPath, [resolve(REPO_ROOT, 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      MCP_SERVERS_CONFIG: join(dir, 'servers.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stdout.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  const exited = exitOf(child);
  const output = () => logs.join('');
  expect(await waitFor(() => output().includes('Ready in'), 20_000)).toBe(true);
  return { child, url: `http://127.0.0.1:${port}`, output, exited };
}

describe('graceful shutdown of a real gateway process', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('on SIGTERM: not ready at once, stops taking queue work, finishes the call in flight, ends its servers, exits 0', async () => {
    const redisUrl = await testRedisUrl();
    const prefix = uniquePrefix('shutdown');
    const requests = `${prefix}requests`;
    const responses = `${prefix}responses`;
    const redis = new Redis(redisUrl);
    const started = await spawnDemoGateway({
      SHUTDOWN_GRACE_MS: '10000',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_REQUEST_STREAM: requests,
      QUEUE_RESPONSE_STREAM: responses,
    });
    child = started.child;
    const { url, exited } = started;
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const gatewayPid = child.pid!;
    const serverPids = descendantsRunning(DEMO_SERVER);
    expect(serverPids.length).toBe(1);

    const slowCall = fetch(`${url}/mcp/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tool_name: 'demo__echo',
        args: { message: 'finish me', delay_ms: 1500 },
      }),
    });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(gatewayPid, 'SIGTERM');

    // Readiness turns false while the slow call is still running.
    let sawNotReady = false;
    for (let i = 0; i < 20 && !sawNotReady; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`${url}/health/ready`).catch(() => undefined);
      sawNotReady = res?.status === 503;
    }
    expect(sawNotReady).toBe(true);
    // The queue consumer has stopped: work put on the stream now waits for another replica.
    await new Promise((r) => setTimeout(r, 200));
    await redis.xadd(requests, '*', 'payload', JSON.stringify({ id: 'late-1', op: 'list_tools' }));

    const answer = await slowCall;
    expect(answer.status).toBe(200);
    expect(
      ((await answer.json()) as { result: { content: { text: string }[] } }).result.content[0].text,
    ).toBe('finish me');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await redis.xlen(responses)).toBe(0);
    expect(await redis.xlen(requests)).toBe(1);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    // Checked by pid: an orphan would be re-parented and no longer look like ours.
    expect(serverPids.filter(isAlive)).toEqual([]);
    // Structured logs: every line is JSON, and the shutdown is in them.
    const lines = started.output().split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.some((l) => l.includes('SIGTERM received'))).toBe(true);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      msg: expect.stringMatching(/^Stopped in \d+ ms$/),
    });
  });

  it('on a second signal: exits at once, calls in flight given up, no server left behind', async () => {
    const started = await spawnDemoGateway({ SHUTDOWN_GRACE_MS: '20000' });
    child = started.child;
    const serverPids = descendantsRunning(DEMO_SERVER);
    expect(serverPids.length).toBe(1);
    const slowCall = fetch(`${started.url}/mcp/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tool_name: 'demo__echo', args: { message: 'x', delay_ms: 15_000 } }),
    }).catch((error: unknown) => error);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    // SIGINT's conventional status, 128 + 2, and not the 20 s grace later.
    expect(await started.exited).toEqual({ code: 130, signal: null });
    await slowCall;
    // Killed, not waited for: gone once the kernel has reaped it.
    expect(await waitFor(() => serverPids.filter(isAlive).length === 0, 5000)).toBe(true);
    const lines = started.output().split('\n').filter(Boolean);
    expect(lines.some((l) => l.includes('send it again to exit now'))).toBe(true);
    expect(lines.at(-1)).toContain('SIGINT received again: exiting now');
  });
});

describe('shutdown timing: SHUTDOWN_DELAY_MS, then SHUTDOWN_GRACE_MS', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('serves on while not ready for the delay, then refuses new requests and answers a call cut off by the grace 503', async () => {
    const started = await spawnDemoGateway({
      SHUTDOWN_DELAY_MS: '1500',
      SHUTDOWN_GRACE_MS: '2500',
    });
    child = started.child;
    const { url, exited } = started;
    const echo = (message: string, delay_ms = 0, signal?: AbortSignal) =>
      fetch(`${url}/mcp/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tool_name: 'demo__echo', args: { message, delay_ms } }),
        signal,
      });
    // A caller that gives up: its request is logged all the same, as 499.
    await echo('given up', 1000, AbortSignal.timeout(200)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const tooSlow = echo('too slow', 6000);
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const signalled = Date.now();
    await new Promise((r) => setTimeout(r, 300));

    // Within the delay: not ready, saying why, yet a new call is still served.
    const notReady = await fetch(`${url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Not ready: shutting down (draining requests in flight)',
      code: 'NOT_READY',
      details: { status: 'error', details: { servers: { status: 'down', draining: true } } },
    });
    const late = await echo('still served');
    expect(late.status).toBe(200);

    // Once the drain begins (after the delay), a new request is refused at once: nothing of
    // it runs, so the caller can safely send it elsewhere. The probes still answer.
    await new Promise((r) => setTimeout(r, Math.max(0, signalled + 2000 - Date.now())));
    const refused = await echo('too late');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('connection')).toBe('close');
    expect(((await refused.json()) as { message: string }).message).toContain(
      'takes no new requests; nothing of this one ran',
    );
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    // After delay and grace, the call still running gets an answer that says so.
    const cutOff = await tooSlow;
    expect(cutOff.status).toBe(503);
    const body = (await cutOff.json()) as { code: string; message: string };
    expect(body.code).toBe('NOT_READY');
    expect(body.message).toContain('shutting down');
    expect(await exited).toEqual({ code: 0, signal: null });

    // Access lines carry the request's facts as JSON fields.
    const access = started
      .output()
      .split('\n')
      .filter((l) => l.includes('"context":"HTTP"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const executes = access.filter((l) => l.path === '/mcp/execute');
    expect(executes.map((l) => l.status).sort()).toEqual([200, 499, 503, 503]);
    for (const line of executes) {
      expect(line).toMatchObject({ method: 'POST', duration_ms: expect.any(Number) });
    }
  });
});

describe('the last resort of a shutdown that runs out of time', () => {
  it('kills every descendant of the process at once, grandchildren included', async () => {
    const script = [
      "import { spawn } from 'node:child_process';",
      `import { killAllDescendantsNow } from ${JSON.stringify(resolve(REPO_ROOT, 'dist/src/mcp/process-tree.js'))};`,
      "const tree = spawn('sh', ['-c', 'sleep 307 & sleep 308; wait'], { stdio: 'ignore' });",
      'setTimeout(() => { killAllDescendantsNow(); process.exit(0); }, 300);',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: 'ignore',
    });
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    await new Promise((r) => setTimeout(r, 200));
    // Looked for anywhere: a survivor would have been re-parented, no longer ours.
    const survivors = execFileSync('ps', ['-A', '-o', 'args='], { encoding: 'utf8' })
      .split('\n')
      .filter((args) => /^sleep 30[78]$/.test(args.trim()));
    expect(survivors).toEqual([]);
  });
});

describe('a bad configuration stops the start', () => {
  it.each([
    [{ GATEWAY_PORT: 'abc' }, 'GATEWAY_PORT="abc": GATEWAY_PORT must be an integer number'],
    [
      { GATEWAY_HOST: '0.0.0.0' },
      'GATEWAY_HOST="0.0.0.0": listening beyond loopback needs API keys',
    ],
    [
      { MCP_SERVERS_CONFIG: 'no-such-file.json' },
      'MCP_SERVERS_CONFIG="no-such-file.json": no such file',
    ],
    [
      { SEARCH_STRATEGY: 'llm' },
      'SEARCH_STRATEGY=llm needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)',
    ],
  ])('%j: exit 1 with one message naming the variable', async (env, expected) => {
    const child = spawn(process.execPath, [resolve(REPO_ROOT, 'dist/src/main.js')], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    expect(await exitOf(child)).toEqual({ code: 1, signal: null });
    // LOG_FORMAT=json (the default): the failure is one JSON line, like every other line.
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as Record<string, string>;
    expect(line).toMatchObject({ level: 'fatal', service: 'mcp-gateway' });
    expect(line.msg).toContain(
      `mcp-gateway failed to start: Invalid configuration:\n  ${expected}`,
    );
    // No framework stack trace in front of the message.
    expect(output).not.toContain('    at ');
  });

  it('says it plainly with LOG_FORMAT=text', async () => {
    const child = spawn(process.execPath, [resolve(REPO_ROOT, 'dist/src/main.js')], {
      env: { PATH: process.env.PATH, LOG_FORMAT: 'text', GATEWAY_PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    expect(await exitOf(child)).toEqual({ code: 1, signal: null });
    expect(output).toBe(
      'mcp-gateway failed to start: Invalid configuration:\n' +
        '  GATEWAY_PORT="abc": GATEWAY_PORT must be an integer number\n',
    );
  });
});

describe('closing while MCP clients are connected', () => {
  it('ends their connections instead of waiting for each client to hang up', async () => {
    const gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
    // The client keeps its event stream open, and its keep-alive connections after that.
    const { client } = await connectStreamableHttp(gateway.url);
    try {
      const answer = await client.callTool({ name: 'demo__echo', arguments: { message: 'x' } });
      expect(answer.isError).toBeFalsy();
      // Before, the close waited for the client's keep-alive timeout (undici: 4 s).
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        gateway.close().then(() => 'closed'),
        new Promise((r) => (timer = setTimeout(() => r('still waiting after 2.5 s'), 2500))),
      ]);
      // Left running, the timer would hold the jest worker open past the run's end.
      clearTimeout(timer);
      expect(outcome).toBe('closed');
    } finally {
      await client.close();
    }
  });
});

describe('an MCP tool call cut off by the shutdown grace', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('gets a JSON-RPC error on its stream saying so, its session heard until then', async () => {
    const started = await spawnDemoGateway({ SHUTDOWN_GRACE_MS: '1500' });
    child = started.child;
    const url = `${started.url}/mcp`;
    const { exited } = started;

    const mcp = new RawMcp(started.url);
    await mcp.initialize();
    const call = mcp.post({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'demo__echo', arguments: { message: 'slow', delay_ms: 20_000 } },
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // During the grace, the open session is still heard (a cancellation, an answer to a
    // relayed request), while a new session is refused at once.
    const heard = await mcp.post({ jsonrpc: '2.0', method: 'notifications/progress', params: {} });
    expect(heard.status).toBe(202);
    const fresh = await fetch(url, {
      method: 'POST',
      headers: MCP_ACCEPT,
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }),
    });
    expect(fresh.status).toBe(503);

    const answer = await call;
    expect(answer.status).toBe(200);
    const events = answer.messages;
    expect(events).toEqual([
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32603,
          message: expect.stringContaining('did not finish within SHUTDOWN_GRACE_MS (1500 ms)'),
          data: { code: 'NOT_READY' },
        },
      },
    ]);
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
