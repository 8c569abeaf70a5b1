import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { DEMO_SERVER, demoStdioSpec } from './helpers/paths.js';
import { descendantsRunning, waitFor } from './helpers/processes.js';

const demoProcesses = () => descendantsRunning(DEMO_SERVER).length;

describe('sessions: isolated server sets', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: {
        GATEWAY_STDIO_ALLOWLIST: 'node *',
        SESSION_MAX: '3',
        SESSION_MAX_SERVERS: '2',
        SESSION_METADATA_MAX_BYTES: '64',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const create = async (metadata?: object) => {
    const res = await gateway.post('/sessions/create', metadata ? { metadata } : {});
    expect(res.status).toBe(201);
    return res.body.session_id as string;
  };
  const scoped = (id: string) => ({ 'X-Session-ID': id });
  const toolNames = async (headers: Record<string, string> = {}) =>
    ((await gateway.get('/mcp/tools', headers)).body.tools as { name: string }[])
      .map((t) => t.name)
      .sort();

  it('creates a session with an unguessable id and the servers file connected for it', async () => {
    const res = await gateway.post('/sessions/create', { metadata: { user: 'alice' } });
    expect(res.status).toBe(201);
    expect(res.body.session_id).toMatch(/^sess_[0-9A-Za-z]{22}$/);
    expect(res.body.metadata).toEqual({ user: 'alice' });
    expect(res.body.servers).toEqual([
      expect.objectContaining({ name: 'demo', status: 'connected' }),
    ]);
    expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(3600 * 1000);
    expect((await gateway.get(`/sessions/${res.body.session_id}`)).status).toBe(200);
    await fetch(`${gateway.url}/sessions/${res.body.session_id}`, { method: 'DELETE' });
  });

  it('keeps a server added in one session invisible to the other session and to global', async () => {
    const a = await create();
    const b = await create();
    const add = await gateway.post(
      '/mcp/servers/add',
      { config: { mcpServers: { extra: demoStdioSpec() } } },
      scoped(a),
    );
    expect(add.status).toBe(201);
    expect(await toolNames(scoped(a))).toContain('extra__echo');
    expect(await toolNames(scoped(b))).not.toContain('extra__echo');
    expect(await toolNames()).not.toContain('extra__echo');
    const call = await gateway.post(
      '/mcp/execute',
      { tool_name: 'extra__echo', args: { message: 'in a' } },
      scoped(a),
    );
    expect(call.body.result.content[0].text).toBe('in a');
    const elsewhere = await gateway.post(
      '/mcp/execute',
      { tool_name: 'extra__echo', args: { message: 'x' } },
      scoped(b),
    );
    expect(elsewhere.status).toBe(404);

    const globalAdd = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { globalonly: demoStdioSpec() } },
    });
    expect(globalAdd.status).toBe(201);
    expect(await toolNames(scoped(a))).not.toContain('globalonly__echo');
    await gateway.post('/mcp/servers/remove', { server_name: 'globalonly' });

    const detail = await gateway.get(`/sessions/${a}`);
    expect(detail.body.servers.map((s: { name: string }) => s.name).sort()).toEqual([
      'demo',
      'extra',
    ]);
    expect(detail.body.tools.length).toBe(6);

    for (const id of [a, b]) await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' });
  });

  it('ends the processes of a deleted session before answering, then 404s for it', async () => {
    const before = demoProcesses();
    const id = await create();
    expect(demoProcesses()).toBe(before + 1);
    const res = await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: id });
    expect(demoProcesses()).toBe(before);
    expect((await gateway.get('/mcp/tools', scoped(id))).status).toBe(404);
    expect((await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('says a call was cut off by its session or server going away, not that the server failed', async () => {
    const slowCall = (id: string) =>
      gateway.post(
        '/mcp/execute',
        { tool_name: 'demo__echo', args: { message: 'x', delay_ms: 5000 } },
        scoped(id),
      );
    const id = await create();
    const call = slowCall(id);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' })).status).toBe(200);
    const cut = await call;
    expect(cut.status).toBe(404);
    expect(cut.body).toMatchObject({
      code: 'SESSION_NOT_FOUND',
      message: `Session '${id}' ended (deleted or expired) during the call of 'demo__echo'; the call was cut off`,
    });

    const other = await create();
    try {
      const removed = slowCall(other);
      await new Promise((r) => setTimeout(r, 300));
      const remove = await gateway.post(
        '/mcp/servers/remove',
        { server_name: 'demo' },
        scoped(other),
      );
      expect(remove.status).toBe(200);
      const gone = await removed;
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({
        code: 'SERVER_NOT_FOUND',
        message: "Server 'demo' was removed during the call of 'demo__echo'; the call was cut off",
      });
    } finally {
      await fetch(`${gateway.url}/sessions/${other}`, { method: 'DELETE' });
    }
  });

  it('lists live sessions with counts', async () => {
    const id = await create({ n: 1 });
    const res = await gateway.get('/sessions');
    const mine = res.body.sessions.find((s: { session_id: string }) => s.session_id === id);
    expect(mine).toMatchObject({ metadata: { n: 1 }, server_count: 1, tool_count: 3 });
    await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' });
  });

  it('enforces the session, server and metadata limits with clear errors', async () => {
    const ids = [await create(), await create(), await create()];
    const fourth = await gateway.post('/sessions/create', {});
    expect(fourth.status).toBe(429);
    expect(fourth.body.code).toBe('SESSION_LIMIT');
    expect(fourth.body.message).toContain('SESSION_MAX');

    const tooMany = await gateway.post(
      '/mcp/servers/add',
      { config: { mcpServers: { x1: demoStdioSpec(), x2: demoStdioSpec() } } },
      scoped(ids[0]),
    );
    expect(tooMany.status).toBe(429);
    expect(tooMany.body.code).toBe('SERVER_LIMIT');
    for (const id of ids) await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' });

    const big = await gateway.post('/sessions/create', { metadata: { blob: 'x'.repeat(100) } });
    expect(big.status).toBe(400);
    expect(big.body.message).toContain('SESSION_METADATA_MAX_BYTES');
  });
});

describe('sessions: expiry', () => {
  it('expires an idle session, ends its processes, and slides on use', async () => {
    const gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { SESSION_TTL_SECONDS: '2' },
    });
    try {
      const before = demoProcesses();
      const idle = (await gateway.post('/sessions/create', {})).body.session_id;
      const busy = (await gateway.post('/sessions/create', {})).body.session_id;
      expect(demoProcesses()).toBe(before + 2);
      // Keep one session in use past its TTL; leave the other idle.
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 500));
        expect((await gateway.get('/mcp/tools', { 'X-Session-ID': busy })).status).toBe(200);
      }
      expect((await gateway.get(`/sessions/${idle}`)).status).toBe(404);
      expect(await waitFor(() => demoProcesses() === before + 1, 5000)).toBe(true);
      expect((await gateway.get(`/sessions/${busy}`)).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

describe('sessions: shared servers', () => {
  it('serves every session from one connection to a shared server, closed with its last user', async () => {
    const before = demoProcesses();
    const gateway = await startGateway({ servers: { demo: { ...demoStdioSpec(), shared: true } } });
    try {
      // The global scope holds one lease.
      expect(demoProcesses()).toBe(before + 1);
      const listed = (await gateway.get('/mcp/servers')).body.servers[0];
      expect(listed.config.shared).toBe(true);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await gateway.post('/sessions/create', {})).body.session_id);
      expect(demoProcesses()).toBe(before + 1);
      for (const id of ids) {
        const call = await gateway.post(
          '/mcp/execute',
          { tool_name: 'demo__echo', args: { message: id } },
          { 'X-Session-ID': id },
        );
        expect(call.body.result.content[0].text).toBe(id);
      }
      await gateway.post('/mcp/servers/remove', { server_name: 'demo' });
      for (const id of ids.slice(1))
        await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' });
      // One session still uses it.
      expect(demoProcesses()).toBe(before + 1);
      expect((await gateway.get('/mcp/tools', { 'X-Session-ID': ids[0] })).body.count).toBe(3);
      expect((await gateway.get('/mcp/tools')).body.count).toBe(0);
      await fetch(`${gateway.url}/sessions/${ids[0]}`, { method: 'DELETE' });
      expect(demoProcesses()).toBe(before);
    } finally {
      await gateway.close();
    }
  });
});
