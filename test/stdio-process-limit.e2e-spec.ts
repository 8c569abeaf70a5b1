import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { DEMO_SERVER, demoStdioSpec } from './helpers/paths.js';
import { descendantsRunning, waitFor } from './helpers/processes.js';
import { unusedPort } from './helpers/free-port.js';
import { spawnGateway } from './helpers/security.js';

const demoProcesses = () => descendantsRunning(DEMO_SERVER).length;
const gauge = async (gateway: TestGateway, headers: Record<string, string> = {}) => {
  const text = (await gateway.get('/metrics', headers)).text;
  return Number(/^mcp_gateway_stdio_processes (\d+)$/m.exec(text)?.[1]);
};
const demoOf = (body: { servers: { name: string; status: string; error?: string }[] }) =>
  body.servers.find((s) => s.name === 'demo');

describe('STDIO_MAX_PROCESSES: the stdio processes one gateway runs', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { STDIO_MAX_PROCESSES: '2', GATEWAY_STDIO_ALLOWLIST: 'node *' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('starts sessions past the limit without their stdio copy, says why, and connects it once a place frees', async () => {
    // The global demo server (the operator's own) holds one place; the first session the other.
    const first = await gateway.post('/sessions/create', {});
    expect(demoOf(first.body)?.status).toBe('connected');
    expect(await gauge(gateway)).toBe(2);

    const second = await gateway.post('/sessions/create', {});
    expect(second.status).toBe(201);
    expect(demoOf(second.body)).toMatchObject({ status: 'failed' });
    expect(demoOf(second.body)?.error).toContain('STDIO_MAX_PROCESSES');
    expect(demoProcesses()).toBe(2);
    const inSecond = { 'X-Session-ID': second.body.session_id as string };
    const echo = { tool_name: 'demo__echo', args: { message: 'in second' } };
    const refused = await gateway.post('/mcp/execute', echo, inSecond);
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('TOOL_NOT_FOUND');
    expect(refused.body.details.server_error).toContain('STDIO_MAX_PROCESSES');
    // The others are untouched.
    const global = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'still here' },
    });
    expect(global.body.result.content[0].text).toBe('still here');

    const gone = await fetch(`${gateway.url}/sessions/${first.body.session_id}`, {
      method: 'DELETE',
    });
    expect(gone.status).toBe(200);
    // The refused copy is tried again, with the reconnect back-off, and now finds room.
    let status = '';
    for (let i = 0; i < 100 && status !== 'connected'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const servers = (await gateway.get('/mcp/servers', inSecond)).body.servers;
      status = servers.find((s: { name: string }) => s.name === 'demo')?.status;
    }
    expect(status).toBe('connected');
    expect((await gateway.post('/mcp/execute', echo, inSecond)).body.result.content[0].text).toBe(
      'in second',
    );
    expect(await gauge(gateway)).toBe(2);
    await fetch(`${gateway.url}/sessions/${second.body.session_id}`, { method: 'DELETE' });
    expect(await gauge(gateway)).toBe(1);
  });

  it("gives a crashed server's place back and lets its restart take it again", async () => {
    const session = await gateway.post('/sessions/create', {});
    expect(demoOf(session.body)?.status).toBe('connected');
    const before = descendantsRunning(DEMO_SERVER);
    expect(before).toHaveLength(2);
    // Both die: a place held past the death would leave the session's restart no room.
    for (const pid of before) process.kill(pid, 'SIGKILL');
    const restarted = await waitFor(() => {
      const now = descendantsRunning(DEMO_SERVER);
      return now.length === 2 && now.every((pid) => !before.includes(pid));
    }, 15_000);
    expect(restarted).toBe(true);
    const scoped = { 'X-Session-ID': session.body.session_id };
    let call = await gateway.post(
      '/mcp/execute',
      { tool_name: 'demo__echo', args: { message: 'back' } },
      scoped,
    );
    for (let i = 0; i < 50 && call.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      call = await gateway.post(
        '/mcp/execute',
        { tool_name: 'demo__echo', args: { message: 'back' } },
        scoped,
      );
    }
    expect(call.body.result.content[0].text).toBe('back');
    expect(await gauge(gateway)).toBe(2);
    await fetch(`${gateway.url}/sessions/${session.body.session_id}`, { method: 'DELETE' });
  }, 30_000);

  it('refuses a stdio server added over the API with 429 SERVER_LIMIT, and starts nothing', async () => {
    const session = await gateway.post('/sessions/create', {});
    expect(demoOf(session.body)?.status).toBe('connected');
    const add = await gateway.post(
      '/mcp/servers/add',
      { config: { mcpServers: { extra: demoStdioSpec() } } },
      { 'X-Session-ID': session.body.session_id },
    );
    expect(add.status).toBe(429);
    expect(add.body.code).toBe('SERVER_LIMIT');
    expect(add.body.message).toContain('STDIO_MAX_PROCESSES');
    const global = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { extra: demoStdioSpec() } },
    });
    expect(global.status).toBe(429);
    expect(demoProcesses()).toBe(2);
    await fetch(`${gateway.url}/sessions/${session.body.session_id}`, { method: 'DELETE' });
    expect(await waitFor(() => demoProcesses() === 1)).toBe(true);
  });
});

describe('STDIO_MAX_PROCESSES_PER_KEY: one key cannot take every place', () => {
  const A = 'key-stdio-a-0123456789';
  const B = 'key-stdio-b-0123456789';
  const ADMIN = 'key-stdio-admin-012345';
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: {
        GATEWAY_API_KEYS: [
          `${A}=sessions+tools:read+tools:call+servers:admin`,
          `${B}=sessions+tools:read+tools:call`,
          `${ADMIN}=admin`,
        ].join(','),
        GATEWAY_STDIO_ALLOWLIST: 'node *',
        STDIO_MAX_PROCESSES: '10',
        STDIO_MAX_PROCESSES_PER_KEY: '1',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('holds a key to its share while another key still gets its own', async () => {
    const a1 = await gateway.post('/sessions/create', {}, as(A));
    expect(demoOf(a1.body)?.status).toBe('connected');
    const a2 = await gateway.post('/sessions/create', {}, as(A));
    expect(demoOf(a2.body)?.status).toBe('failed');
    expect(demoOf(a2.body)?.error).toContain('STDIO_MAX_PROCESSES_PER_KEY');
    const add = await gateway.post(
      '/mcp/servers/add',
      { config: { mcpServers: { extra: demoStdioSpec() } } },
      { ...as(A), 'X-Session-ID': a1.body.session_id },
    );
    expect(add.status).toBe(429);
    expect(add.body.message).toContain('STDIO_MAX_PROCESSES_PER_KEY');

    const b1 = await gateway.post('/sessions/create', {}, as(B));
    expect(demoOf(b1.body)?.status).toBe('connected');
    // Global demo, a1's and b1's.
    expect(await gauge(gateway, as(ADMIN))).toBe(3);
    for (const [id, key] of [
      [a1.body.session_id, A],
      [a2.body.session_id, A],
      [b1.body.session_id, B],
    ]) {
      await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE', headers: as(key) });
    }
    expect(await gauge(gateway, as(ADMIN))).toBe(1);
  });

  it('charges servers added outside sessions, and shared ones, to the key that adds them', async () => {
    const addAs = (key: string, name: string, spec: object, session?: string) =>
      gateway.post(
        '/mcp/servers/add',
        { config: { mcpServers: { [name]: spec } } },
        { ...as(key), ...(session ? { 'X-Session-ID': session } : {}) },
      );
    expect((await addAs(A, 'mine', demoStdioSpec())).status).toBe(201);
    const second = await addAs(A, 'mine2', demoStdioSpec());
    expect(second.status).toBe(429);
    expect(second.body.message).toContain('STDIO_MAX_PROCESSES_PER_KEY');
    const session = await gateway.post('/sessions/create', {}, as(A));
    const shared = await addAs(
      A,
      'shared',
      { ...demoStdioSpec(), shared: true },
      session.body.session_id,
    );
    expect(shared.status).toBe(429);
    expect(shared.body.message).toContain('STDIO_MAX_PROCESSES_PER_KEY');
    // Another key still has its own place.
    const b = await gateway.post('/sessions/create', {}, as(B));
    expect(demoOf(b.body)?.status).toBe('connected');
    await fetch(`${gateway.url}/sessions/${b.body.session_id}`, {
      method: 'DELETE',
      headers: as(B),
    });
    await fetch(`${gateway.url}/sessions/${session.body.session_id}`, {
      method: 'DELETE',
      headers: as(A),
    });
    const removed = await gateway.post('/mcp/servers/remove', { server_name: 'mine' }, as(A));
    expect(removed.status).toBe(200);
    expect(await gauge(gateway, as(ADMIN))).toBe(1);
  });
});

describe('a session copy waiting for a stdio place, in the log', () => {
  it('is said once at warn, then retried quietly, and its connection is logged when a place frees', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stdio-limit-log-'));
    const serversFile = join(dir, 'servers.json');
    writeFileSync(serversFile, JSON.stringify({ mcpServers: { demo: demoStdioSpec() } }));
    const gateway = await spawnGateway(await unusedPort(), {
      MCP_SERVERS_CONFIG: serversFile,
      STDIO_MAX_PROCESSES: '2',
      GATEWAY_STDIO_ALLOWLIST: 'node *',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      QUEUE_ENABLED: 'false',
    });
    try {
      const create = () =>
        fetch(`${gateway.url}/sessions/create`, { method: 'POST' }).then(
          (r) => r.json() as Promise<{ session_id: string }>,
        );
      const holder = await create();
      const waiting = await create();
      const lines = () =>
        gateway.output
          .join('')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { level: string; context?: string; msg: string })
          .filter((l) => l.context === `Server demo (session ${waiting.session_id})`);
      // The back-off retries at 1 s and 3 s: two more refusals.
      await new Promise((r) => setTimeout(r, 3_500));
      const refusals = lines();
      expect(refusals.map((l) => [l.level, l.msg.split(':')[0]])).toEqual([
        ['warn', 'waiting for a stdio process place'],
      ]);
      await fetch(`${gateway.url}/sessions/${holder.session_id}`, { method: 'DELETE' });
      const connected = await waitFor(
        () => lines().some((l) => l.msg.startsWith('connected over stdio')),
        15_000,
      );
      expect(connected).toBe(true);
      expect(lines().at(-1)?.msg).toMatch(/after waiting for a stdio process place$/);
    } finally {
      await gateway.stop();
    }
  });
});
