import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startDemoHttpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

describe('catalog and execution against real demo servers', () => {
  let gateway: TestGateway;
  let httpDemo: RunningHttpServer;

  beforeAll(async () => {
    httpDemo = await startDemoHttpServer();
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
    await httpDemo?.stop();
  });

  it('lists the stdio demo server from the servers file with its three tools', async () => {
    const res = await gateway.get('/mcp/servers');
    expect(res.status).toBe(200);
    expect(res.body.servers).toHaveLength(1);
    const demo = res.body.servers[0];
    expect(demo).toMatchObject({
      name: 'demo',
      transport: 'stdio',
      status: 'connected',
      tool_count: 3,
    });
    expect(demo.tools.sort()).toEqual(['demo__calculator', 'demo__echo', 'demo__time']);
  });

  it('serves the namespaced catalog with input schemas', async () => {
    const res = await gateway.get('/mcp/tools');
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(3);
    const echo = res.body.tools.find((t: { name: string }) => t.name === 'demo__echo');
    expect(echo).toMatchObject({ server: 'demo', tool: 'echo' });
    expect(echo.input_schema.properties.message).toBeDefined();
  });

  it('executes a tool by namespaced and by bare name', async () => {
    const full = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'hello' },
    });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ tool_name: 'demo__echo', server: 'demo' });
    expect(full.body.result.content[0].text).toBe('hello');
    expect(typeof full.body.took_ms).toBe('number');

    const bare = await gateway.post('/mcp/execute', {
      tool_name: 'calculator',
      args: { expression: '2 * (3 + 4)' },
    });
    expect(bare.status).toBe(200);
    expect(bare.body.result.content[0].text).toContain('14');
  });

  it('reports a tool that fails as 200 with isError', async () => {
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'demo__calculator',
      args: { expression: '1/0' },
    });
    expect(res.status).toBe(200);
    expect(res.body.result.isError).toBe(true);
  });

  it('rejects arguments that break the input schema with 400 and the schema errors', async () => {
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 42 },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENTS');
    expect(res.body.message).toContain('/message');
    expect(Array.isArray(res.body.details)).toBe(true);
  });

  it('answers 404 for an unknown tool', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'demo__nope' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('TOOL_NOT_FOUND');
  });

  it('adds the demo server over streamable HTTP, inferring the transport', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { remote: { url: httpDemo.url } } },
    });
    expect(res.status).toBe(201);
    expect(res.body.failed).toEqual([]);
    expect(res.body.added[0]).toMatchObject({ name: 'remote', status: 'connected' });
    const servers = await gateway.get('/mcp/servers');
    expect(servers.body.servers.find((s: { name: string }) => s.name === 'remote').transport).toBe(
      'streamable-http',
    );
    const call = await gateway.post('/mcp/execute', {
      tool_name: 'remote__echo',
      args: { message: 'over http' },
    });
    expect(call.body.result.content[0].text).toBe('over http');
  });

  it('answers 409 with the candidates for a bare name two servers offer', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'echo', args: { message: 'x' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('TOOL_AMBIGUOUS');
    expect(res.body.details.candidates).toEqual(['demo__echo', 'remote__echo']);
  });

  it('refuses a second server with the same name in the scope', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { remote: { url: httpDemo.url } } },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SERVER_EXISTS');
  });

  it('refuses a server whose name makes the same tool prefix as another', async () => {
    // 're mote' and 're_mote' would both name their tools re_mote__*.
    const first = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { 're mote': { url: httpDemo.url } } },
    });
    expect(first.status).toBe(201);
    const clash = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { re_mote: { url: httpDemo.url } } },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('SERVER_EXISTS');
    expect(clash.body.message).toContain(
      "'re_mote' gives the same tool prefix as the server 're mote'",
    );
    const tools = (await gateway.get('/mcp/tools')).body.tools as { name: string }[];
    expect(tools.filter((t) => t.name.startsWith('re_mote__')).length).toBeGreaterThan(0);
    expect((await gateway.post('/mcp/servers/remove', { server_name: 're mote' })).status).toBe(
      200,
    );
  });

  it('refuses a removal whose name and uuid name different servers, removing neither', async () => {
    const res = await gateway.post('/mcp/servers/remove', {
      server_name: 'remote',
      server_uuid: '00000000-0000-4000-8000-000000000000',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('name different servers');
    const servers = (await gateway.get('/mcp/servers')).body.servers as { name: string }[];
    expect(servers.map((s) => s.name)).toContain('remote');
  });

  it('removes a server by name and then 404s for it', async () => {
    const res = await gateway.post('/mcp/servers/remove', { server_name: 'remote' });
    expect(res.status).toBe(200);
    expect(res.body.removed.name).toBe('remote');
    const tools = await gateway.get('/mcp/tools');
    expect(tools.body.count).toBe(3);
    const again = await gateway.post('/mcp/servers/remove', { server_name: 'remote' });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('SERVER_NOT_FOUND');
  });

  it('serves the original gateway routes as aliases', async () => {
    const tools = await gateway.get('/tools');
    expect(tools.body.count).toBe(3);
    const call = await gateway.post('/tool', { name: 'echo', arguments: { message: 'legacy' } });
    expect(call.status).toBe(200);
    expect(call.body.result.content[0].text).toBe('legacy');
    const add = await gateway.post('/add-server', {
      mcpServers: { legacy: { url: httpDemo.url } },
    });
    expect(add.status).toBe(201);
    expect(add.body.added[0].name).toBe('legacy');
  });

  it('reports health, liveness and readiness', async () => {
    const health = await gateway.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', servers_connected: 2, tools_total: 6 });
    const live = await gateway.get('/health/live');
    expect(live.status).toBe(200);
    const ready = await gateway.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    // A cached probe answer would hide a gateway that stopped being ready.
    for (const probe of [live, ready]) {
      expect(probe.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    }
  });

  it('publishes an OpenAPI document with stable operation ids, and Swagger UI', async () => {
    const doc = await gateway.get('/docs-json');
    expect(doc.status).toBe(200);
    const ready = doc.body.paths['/health/ready'].get.responses;
    expect(ready['200'].content['application/json'].schema.properties.status.enum).toEqual(['ok']);
    expect(ready['503'].content['application/json'].schema.properties.status.enum).toEqual([
      'error',
      'shutting_down',
    ]);
    const ids = Object.values(
      doc.body.paths as Record<string, Record<string, { operationId: string }>>,
    )
      .flatMap((p) => Object.values(p).map((op) => op.operationId))
      .sort();
    expect(ids).toEqual(
      expect.arrayContaining([
        'addServers',
        'executeTool',
        'listServers',
        'listTools',
        'removeServer',
        'healthReady',
      ]),
    );
    const ui = await fetch(`${gateway.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
