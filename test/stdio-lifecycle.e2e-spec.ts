import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp } from './helpers/mcp-clients.js';
import { REPO_ROOT } from './helpers/paths.js';
import { descendantsRunning, running, waitFor } from './helpers/processes.js';

const FORKING = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/forking-server.js');
const PAGING = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/paging-server.js');
const MUTABLE = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/mutable-server.js');

/** Where every forking server notes its descendants, so that none outlives this file. */
const RECORD = join(mkdtempSync(join(tmpdir(), 'forking-')), 'children.jsonl');
const forking = (env: Record<string, string> = {}) => ({
  command: 'node',
  args: [FORKING],
  env: { RECORD_CHILDREN: RECORD, ...env },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Children {
  child: number;
  orphan: number;
  stray?: number;
}

// Orphans escape the leak check of the test environment: whatever a failure left, ends here.
afterAll(() => {
  if (!existsSync(RECORD)) return;
  for (const line of readFileSync(RECORD, 'utf8').split('\n').filter(Boolean)) {
    for (const pid of Object.values(JSON.parse(line) as Children)) {
      if (pid && running(pid)) process.kill(pid, 'SIGKILL');
    }
  }
});

async function childrenOf(gateway: TestGateway, server: string): Promise<Children> {
  const res = await gateway.post('/mcp/execute', { tool_name: `${server}__children` });
  expect(res.status).toBe(200);
  return JSON.parse(res.body.result.content[0].text as string) as Children;
}

const allGone = (children: Children) =>
  waitFor(() => !Object.values(children).some((pid) => pid && running(pid)), 3000);

async function statusBecomes(gateway: TestGateway, wanted: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [server] = (await gateway.get('/mcp/servers')).body.servers as { status: string }[];
    if (server?.status === wanted) return true;
    await sleep(50);
  }
  return false;
}

describe('a stdio server with descendants of its own', () => {
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('leaves none of them behind when it crashes and is restarted, however often', async () => {
    gateway = await startGateway({
      servers: { f: forking() },
      env: { STDIO_KILL_GRACE_MS: '300', SERVER_PING_INTERVAL_MS: '0' },
    });
    for (let crash = 1; crash <= 2; crash++) {
      const children = await childrenOf(gateway, 'f');
      const res = await gateway.post('/mcp/execute', { tool_name: 'f__exit' });
      expect(res.status).toBe(502);
      // Re-parented to init the moment the server died, and still ended.
      expect(await allGone(children)).toBe(true);
      expect(await statusBecomes(gateway, 'connected', 10_000)).toBe(true);
    }
  }, 30_000);

  it('ends them all when it is removed, an orphan and one in a session of its own too', async () => {
    gateway = await startGateway({
      servers: {},
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *', STDIO_KILL_GRACE_MS: '300' },
    });
    const added = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { f: forking({ STRAY_CHILD: '1' }) } },
    });
    expect(added.body.failed).toEqual([]);
    const children = await childrenOf(gateway, 'f');
    expect(children.stray).toBeDefined();
    expect((await gateway.post('/mcp/servers/remove', { server_name: 'f' })).status).toBe(200);
    expect(await allGone(children)).toBe(true);
  });

  it('ends them all when the gateway shuts down', async () => {
    gateway = await startGateway({
      servers: { f: forking({ STRAY_CHILD: '1' }), g: forking() },
      env: { STDIO_KILL_GRACE_MS: '300' },
    });
    const children = [await childrenOf(gateway, 'f'), await childrenOf(gateway, 'g')];
    await gateway.close();
    gateway = undefined;
    for (const each of children) expect(await allGone(each)).toBe(true);
  });
});

describe('a stdio server that hangs during a call', () => {
  let gateway: TestGateway | undefined;
  afterAll(async () => {
    for (const pid of descendantsRunning(FORKING)) process.kill(pid, 'SIGCONT');
    await gateway?.close();
  });

  it('fails the call in flight once found dead, and starts again only after its old tree is gone', async () => {
    gateway = await startGateway({
      servers: { f: forking() },
      // The default grace: ending a hung server takes 2 × 2 s, longer than the 1 s back-off.
      env: { SERVER_PING_INTERVAL_MS: '300', TOOL_CALL_TIMEOUT_MS: '20000' },
    });
    const [hung] = descendantsRunning(FORKING);
    const children = await childrenOf(gateway, 'f');
    const call = gateway.post('/mcp/execute', { tool_name: 'f__wait', args: { ms: 15_000 } });
    await sleep(200);
    // SIGSTOP: alive, pipes open, answering nothing; it does not see SIGTERM either.
    process.kill(hung, 'SIGSTOP');
    expect(await statusBecomes(gateway, 'failed', 5000)).toBe(true);
    const failedAt = Date.now();
    const res = await call;
    // Long before the call's own 15 s; room for a loaded machine.
    expect(Date.now() - failedAt).toBeLessThan(5000);
    expect(res.status).toBe(502);
    expect(res.body.message).toContain('no answer to ping');

    // The moment a new server process shows, the old one and its descendants are gone.
    let restarted: number | undefined;
    const overlap: number[] = [];
    const deadline = Date.now() + 15_000;
    while (restarted === undefined && Date.now() < deadline) {
      restarted = descendantsRunning(FORKING).find((pid) => pid !== hung);
      if (restarted !== undefined) {
        overlap.push(...[hung, children.child, children.orphan].filter(running));
      }
      await sleep(20);
    }
    expect(restarted).toBeDefined();
    expect(overlap).toEqual([]);
    expect(await statusBecomes(gateway, 'connected', 10_000)).toBe(true);
    await childrenOf(gateway, 'f');
  }, 40_000);
});

describe('a server that lists its tools slowly, page after page', () => {
  let gateway: TestGateway | undefined;
  afterAll(async () => {
    await gateway?.close();
  });

  it('fails within SERVER_CONNECT_TIMEOUT_MS, the handshake and every page together', async () => {
    gateway = await startGateway({
      servers: {},
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *', SERVER_CONNECT_TIMEOUT_MS: '1500' },
    });
    const started = Date.now();
    // One tool a page, each 250 ms late, without end: 100 pages at the old per-page timeout.
    const res = await gateway.post('/mcp/servers/add', {
      config: {
        mcpServers: {
          slow: { command: 'node', args: [PAGING], env: { PAGE_SIZE: '1', PAGE_DELAY_MS: '250' } },
        },
      },
    });
    const tookMs = Date.now() - started;
    expect(res.status).toBe(201);
    expect(res.body.failed[0].error).toContain('tools/list failed');
    expect(res.body.failed[0].error).toMatch(/timed out/);
    // A bound, not a speed figure: 1.5 s, and the start of a node process (100 pages: 25 s).
    expect(tookMs).toBeLessThan(10_000);
  }, 40_000);
});

describe('a server flooding tools/list_changed while its tools stay the same', () => {
  let gateway: TestGateway | undefined;
  afterAll(async () => {
    await gateway?.close();
  });

  it('tells no client and logs nothing, until its tools really change', async () => {
    gateway = await startGateway({
      servers: { m: { command: 'node', args: [MUTABLE] } },
      env: { LOG_LEVEL: 'info' },
    });
    const { client } = await connectStreamableHttp(gateway.url);
    let notified = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void notified++);
    const logged: string[] = [];
    const spy = jest
      .spyOn(PinoLoggerService.prototype, 'log')
      .mockImplementation((message: unknown) => void logged.push(String(message)));
    try {
      // Time for the SDK client to open its GET stream, where these notifications travel.
      await sleep(500);
      const flood = await gateway.post('/mcp/execute', {
        tool_name: 'm__flood',
        args: { count: 200 },
      });
      expect(flood.status).toBe(200);
      await sleep(1000);
      expect(notified).toBe(0);
      expect(logged.filter((l) => l.includes('tool list changed'))).toEqual([]);

      // A real change still goes through: the test could see one.
      expect((await gateway.post('/mcp/execute', { tool_name: 'm__mutate' })).status).toBe(200);
      expect(await waitFor(() => notified > 0, 5000)).toBe(true);
      expect(logged.filter((l) => l.includes('tool list changed'))).toHaveLength(1);
    } finally {
      spy.mockRestore();
      await client.close();
    }
  });
});
