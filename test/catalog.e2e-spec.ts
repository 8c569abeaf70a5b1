import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Ajv } from 'ajv';
import { startDemoHttpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp, textOf } from './helpers/mcp-clients.js';
import { demoStdioSpec } from './helpers/paths.js';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';

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
      transport_negotiated: true,
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
    // The demo server leaves isError out of a success; the answer states it.
    expect(full.body.result.isError).toBe(false);
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
    expect(servers.body.servers.find((s: { name: string }) => s.name === 'remote')).toMatchObject({
      transport: 'streamable-http',
      transport_negotiated: true,
    });
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
    expect(clash.body.message).toBe(
      "'re_mote' gives the same tool prefix (re_mote__) as the server 're mote' in this scope",
    );
    // Two such names in one request: the other one is not in the scope yet, and is not added.
    const both = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { 'a.b': { url: httpDemo.url }, a_b: { url: httpDemo.url } } },
    });
    expect(both.status).toBe(409);
    expect(both.body.message).toBe(
      "'a_b' gives the same tool prefix (a_b__) as the server 'a.b' named earlier in this request",
    );
    const names = ((await gateway.get('/mcp/servers')).body.servers as { name: string }[]).map(
      (s) => s.name,
    );
    expect(names).not.toContain('a.b');
    const tools = (await gateway.get('/mcp/tools')).body.tools as { name: string }[];
    expect(tools.filter((t) => t.name.startsWith('re_mote__')).length).toBeGreaterThan(0);
    // A call names the tool as the catalog does (README, "Names"), not as the servers file does.
    const call = (tool_name: string) =>
      gateway.post('/mcp/execute', { tool_name, args: { message: 'm' } });
    expect((await call('re_mote__echo')).status).toBe(200);
    expect((await call('re mote__echo')).body.code).toBe('TOOL_NOT_FOUND');
    expect((await gateway.post('/mcp/servers/remove', { server_name: 're mote' })).status).toBe(
      200,
    );
  });

  it('refuses a removal whose name and uuid name different servers, removing neither', async () => {
    const servers = (await gateway.get('/mcp/servers')).body.servers as {
      name: string;
      uuid: string;
    }[];
    const demoUuid = servers.find((s) => s.name === 'demo')!.uuid;
    const res = await gateway.post('/mcp/servers/remove', {
      server_name: 'remote',
      server_uuid: demoUuid,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('name different servers');
    const stale = await gateway.post('/mcp/servers/remove', {
      server_name: 'remote',
      server_uuid: '00000000-0000-4000-8000-000000000000',
    });
    expect(stale.status).toBe(404);
    expect(stale.body.message).toContain(
      "No server with uuid '00000000-0000-4000-8000-000000000000'",
    );
    const after = (await gateway.get('/mcp/servers')).body.servers as { name: string }[];
    expect(after.map((s) => s.name)).toEqual(expect.arrayContaining(['demo', 'remote']));
  });

  it('adds the servers it can reach and lists one whose host does not resolve as failed', async () => {
    const warned: string[] = [];
    const spy = jest
      .spyOn(PinoLoggerService.prototype, 'warn')
      .mockImplementation((message: unknown) => void warned.push(String(message)));
    const res = await gateway.post('/mcp/servers/add', {
      config: {
        mcpServers: {
          reachable: { url: httpDemo.url },
          nowhere: { url: 'http://nonexistent.invalid/mcp' },
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.added.map((s: { name: string }) => s.name)).toEqual(['reachable']);
    expect(res.body.failed).toEqual([
      { name: 'nowhere', error: expect.stringContaining("Cannot resolve 'nonexistent.invalid'") },
    ]);
    spy.mockRestore();
    // No connection is tried, so none logs it: the add does.
    expect(warned).toContainEqual(
      expect.stringMatching(/^server 'nowhere' not added: Cannot resolve 'nonexistent\.invalid'/),
    );
    expect((await gateway.post('/mcp/servers/remove', { server_name: 'reachable' })).status).toBe(
      200,
    );
  });

  it("says a port fetch refuses is fetch's doing, when the SSE fallback cannot use it", async () => {
    // 10080 is one of the Fetch standard's "bad ports"; nothing needs to listen on it.
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { badport: { url: 'http://127.0.0.1:10080/mcp' } } },
    });
    expect(res.body.failed).toEqual([
      {
        name: 'badport',
        error: expect.stringMatching(
          /; SSE: .*bad port.*: fetch, which the SSE client uses, refuses this port whatever listens on it/,
        ),
      },
    ]);
  });

  it('refuses an add whose every server is disabled, saying so rather than that it names none', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { off: { url: httpDemo.url, disabled: true } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_SERVER_CONFIG');
    expect(res.body.message).toContain('every server "mcpServers" names is disabled');
    const none = await gateway.post('/mcp/servers/add', { config: { mcpServers: {} } });
    expect(none.body.message).toBe('Invalid server config: "mcpServers" names no server');
  });

  it("leaves out the tools a server's disabledTools names", async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { trimmed: { url: httpDemo.url, disabledTools: ['echo'] } } },
    });
    expect(res.status).toBe(201);
    expect(res.body.added[0].tools).toEqual(['trimmed__time', 'trimmed__calculator']);
    const servers = (await gateway.get('/mcp/servers')).body.servers as {
      name: string;
      config: { disabledTools?: string[] };
    }[];
    expect(servers.find((s) => s.name === 'trimmed')!.config.disabledTools).toEqual(['echo']);
    const call = await gateway.post('/mcp/execute', { tool_name: 'trimmed__echo', args: {} });
    expect(call.status).toBe(404);
    expect((await gateway.post('/mcp/servers/remove', { server_name: 'trimmed' })).status).toBe(
      200,
    );
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

  it('answers as its OpenAPI document says: real answers validate against the published schemas', async () => {
    const doc = (await gateway.get('/docs-json')).body as Document;
    const ajv = new Ajv({ strict: false });
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    const check = async (
      method: 'get' | 'post',
      path: string,
      body: unknown,
      status: number,
    ): Promise<string> => {
      const res = method === 'get' ? await gateway.get(path) : await gateway.post(path, body);
      expect([path, res.status]).toEqual([path, status]);
      const documented = doc.paths[path][method].responses[String(status)];
      const schema = documented?.content?.['application/json']?.schema;
      if (!schema) return `${method.toUpperCase()} ${path} ${status}: no schema`;
      const rebased = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
      ) as object;
      const validate = ajv.compile(rebased);
      return validate(res.body)
        ? 'ok'
        : `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(validate.errors)}`;
    };
    await gateway.post('/mcp/execute', { tool_name: 'demo__echo', args: { message: 'm' } });
    const session = (await gateway.post('/sessions/create', {})).body.session_id as string;
    const results = [
      await check('get', '/mcp/tools', undefined, 200),
      await check('get', '/mcp/servers', undefined, 200),
      await check('post', '/mcp/execute', { tool_name: 'demo__echo', args: { message: 'm' } }, 200),
      await check('post', '/mcp/execute', { tool_name: 'demo__echo', args: { message: 1 } }, 400),
      await check('post', '/mcp/execute', { tool_name: 'demo__nope' }, 404),
      await check('post', '/mcp/search', { query: 'echo a message' }, 200),
      await check('post', '/mcp/search', { query: 'x', limit: 999 }, 400),
      await check('post', '/mcp/servers/add', { config: { mcpServers: { bad: {} } } }, 400),
      await check('get', '/sessions', undefined, 200),
      await check('get', '/health', undefined, 200),
      await check('get', '/analytics', undefined, 200),
    ];
    await fetch(`${gateway.url}/sessions/${session}`, { method: 'DELETE' });
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
  });

  it('publishes an OpenAPI document with stable operation ids, and Swagger UI', async () => {
    const doc = await gateway.get('/docs-json');
    expect(doc.status).toBe(200);
    const ready = doc.body.paths['/health/ready'].get.responses;
    expect(ready['200'].content['application/json'].schema.properties.status.enum).toEqual(['ok']);
    const notReady = ready['503'].content['application/json'].schema.allOf;
    expect(notReady[0].$ref).toBe('#/components/schemas/ErrorDto');
    expect(notReady[1].properties.details.properties.status.enum).toEqual([
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

interface Operation {
  operationId: string;
  parameters?: { name: string }[];
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: { $ref?: string } }> }
  >;
}
type Document = {
  info: { description: string };
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties: Record<string, { description?: string }> }>;
    securitySchemes: Record<string, Record<string, string>>;
  };
};

const PUBLIC_ROUTES = ['get /health/live', 'get /health/ready'];
// @NotRateLimited(): a scraper is never refused for the traffic around it.
const NOT_RATE_LIMITED_ROUTES = ['get /metrics'];
const KEY_SECURITY = [{ bearer: [] }, { api_key: [] }];

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );

describe('the OpenAPI document lists the errors that really happen', () => {
  let gateway: TestGateway;
  let doc: Document;

  beforeAll(async () => {
    // Keys configured, so that the answers below are those of a gateway that checks them.
    gateway = await startGateway({
      env: { GATEWAY_API_KEYS: 'openapi-admin-key=admin', MAX_BODY_BYTES: '1024' },
    });
    doc = (await gateway.get('/docs-json')).body as Document;
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const errorBody = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } };

  it('declares X-API-Key and Authorization: Bearer as security schemes, with no global requirement', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.api_key).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(doc.security ?? []).toEqual([]);
  });

  it('requires a key, and documents 401, 403 and 429, on every route but the probes (no 429 on /metrics)', () => {
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(15);
    for (const { method, path, operation } of operations) {
      const where = `${method} ${path}`;
      if (PUBLIC_ROUTES.includes(where)) {
        expect({ where, security: operation.security ?? [] }).toEqual({ where, security: [] });
        for (const status of ['401', '429'])
          expect({ where, status, response: operation.responses[status] }).toEqual({
            where,
            status,
            response: undefined,
          });
        expect(operation.responses['403'].description).not.toContain('INSUFFICIENT_SCOPE');
        continue;
      }
      expect({ where, security: operation.security }).toEqual({ where, security: KEY_SECURITY });
      const { responses } = operation;
      expect({ where, r: responses['401'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('UNAUTHENTICATED'), content: errorBody },
      });
      expect({ where, r: responses['403'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('INSUFFICIENT_SCOPE'), content: errorBody },
      });
      if (NOT_RATE_LIMITED_ROUTES.includes(where)) {
        expect({ where, r: responses['429'] }).toEqual({ where, r: undefined });
        continue;
      }
      expect({ where, r: responses['429'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('RATE_LIMITED'), content: errorBody },
      });
    }
    expect(doc.paths['/health/live'].get.security).toEqual([]);
  });

  it('documents 403 FORBIDDEN_ORIGIN on every route, the probes included, as the gateway answers it', async () => {
    for (const { method, path, operation } of operationsOf(doc)) {
      const where = `${method} ${path}`;
      expect({ where, r: operation.responses['403'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('FORBIDDEN_ORIGIN'), content: errorBody },
      });
    }
    const probe = await gateway.get('/health/live', { Origin: 'http://evil.example' });
    expect([probe.status, probe.body.code]).toEqual([403, 'FORBIDDEN_ORIGIN']);
    // The refusal names the setting that would let a public name through.
    expect(probe.body.message).toContain('GATEWAY_ALLOWED_HOSTS');
  });

  it('says in the description what is answered before routing: 404, 405 with Allow, 431', () => {
    for (const word of ['ROUTE_NOT_FOUND', 'METHOD_NOT_ALLOWED', '`Allow`', '431'])
      expect(doc.info.description).toContain(word);
  });

  it('documents 400, 413 and 415 on every route that takes a body', () => {
    const withBody = operationsOf(doc).filter(({ operation }) => operation.requestBody);
    expect(withBody.map(({ path }) => path)).toEqual(
      expect.arrayContaining(['/mcp/execute', '/tool', '/add-server', '/sessions/create']),
    );
    for (const { method, path, operation } of withBody) {
      const where = `${method} ${path}`;
      expect({ where, r: operation.responses['413'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('PAYLOAD_TOO_LARGE'), content: errorBody },
      });
      expect({ where, r: operation.responses['415'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('UNSUPPORTED_MEDIA_TYPE'), content: errorBody },
      });
      expect({ where, r: operation.responses['400'] }).toMatchObject({
        where,
        r: { description: expect.stringContaining('INVALID_REQUEST'), content: errorBody },
      });
    }
  });

  it('documents 503 where Redis is needed, and 400 for a path parameter that cannot be decoded', async () => {
    for (const path of ['/sessions/create', '/sessions/{id}', '/analytics', '/mcp/execute']) {
      const operations = Object.values(doc.paths[path]) as { responses: Record<string, unknown> }[];
      for (const operation of operations) {
        expect({ path, r: operation.responses['503'] }).toMatchObject({
          path,
          r: { description: expect.stringContaining('STORE_UNAVAILABLE'), content: errorBody },
        });
      }
    }
    expect(doc.paths['/sessions/{id}'].get.responses['400'].description).toContain('%-escape');
    const broken = await gateway.get('/sessions/%E0%A4%A', {
      Authorization: 'Bearer openapi-admin-key',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('INVALID_REQUEST');
  });

  it('keeps the causes a route documents itself when adding the common ones', () => {
    const add = doc.paths['/mcp/servers/add'].post.responses['403'].description;
    expect(add).toContain('STDIO_NOT_ALLOWED');
    expect(add).toContain('INSUFFICIENT_SCOPE');
    const create = doc.paths['/sessions/create'].post.responses['429'].description;
    expect(create).toContain('SESSION_LIMIT');
    expect(create).toContain('RATE_LIMITED');
  });

  it('documents the errors of the legacy routes and of POST /sessions/create', () => {
    const codes = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status]?.description ?? '';
    expect(codes('/tool', 'post', '400')).toContain('INVALID_ARGUMENTS');
    expect(codes('/tool', 'post', '404')).toContain('TOOL_NOT_FOUND');
    expect(codes('/tool', 'post', '409')).toContain('TOOL_AMBIGUOUS');
    expect(codes('/tool', 'post', '502')).toContain('UPSTREAM_UNAVAILABLE');
    expect(codes('/tool', 'post', '504')).toContain('UPSTREAM_TIMEOUT');
    expect(codes('/add-server', 'post', '400')).toContain('INVALID_SERVER_CONFIG');
    expect(codes('/add-server', 'post', '403')).toContain('STDIO_NOT_ALLOWED');
    expect(codes('/add-server', 'post', '409')).toContain('SERVER_EXISTS');
    expect(codes('/sessions/create', 'post', '400')).toContain('SESSION_METADATA_MAX_BYTES');
    // The route it aliases answers the same.
    for (const status of ['400', '403', '404', '409', '429', '502', '503', '504']) {
      expect(codes('/mcp/execute', 'post', status)).toBe(codes('/tool', 'post', status));
    }
    expect(codes('/mcp/execute', 'post', '403')).toContain('TOOL_QUARANTINED');
    expect(codes('/mcp/servers/add', 'post', '403')).toContain('UPSTREAM_ADDRESS_REFUSED');
  });

  it('documents 400 for a blank X-Session-ID on every route that takes the header', () => {
    const scoped = operationsOf(doc).filter(({ operation }) =>
      JSON.stringify(operation.parameters ?? []).includes('"X-Session-ID"'),
    );
    expect(scoped.length).toBeGreaterThan(8);
    for (const { method, path, operation } of scoped) {
      expect({ where: `${method} ${path}`, r: operation.responses['400'] }).toMatchObject({
        where: `${method} ${path}`,
        r: { description: expect.stringContaining('X-Session-ID'), content: errorBody },
      });
    }
  });

  it('states the types and limits the server enforces', () => {
    const schemas = doc.components.schemas as unknown as Record<
      string,
      { required?: string[]; properties: Record<string, Record<string, unknown>> }
    >;
    const property = (schema: string, name: string) => schemas[schema].properties[name];
    expect(property('SearchRequestDto', 'limit')).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 50,
    });
    expect(property('SearchRequestDto', 'servers')).toMatchObject({ minItems: 1 });
    for (const [schema, name] of [
      ['ExecuteRequestDto', 'tool_name'],
      ['ApproveToolRequestDto', 'tool_name'],
      ['LegacyToolCallDto', 'name'],
    ])
      expect({ schema, p: property(schema, name) }).toMatchObject({
        schema,
        p: { minLength: 1, maxLength: 256 },
      });
    const top = (doc.paths['/analytics'].get.parameters ?? []).find((p) => p.name === 'top') as
      { schema: unknown } | undefined;
    expect(top?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    const counts = [
      ['ErrorDto', 'statusCode'],
      ['ToolListDto', 'count'],
      ['ServerDto', 'tool_count'],
      ['SessionSummaryDto', 'server_count'],
      ['CallStatsDto', 'calls'],
      ['CallStatsDto', 'errors'],
      ['CallStatsDto', 'tool_errors'],
      ['TopToolDto', 'calls'],
      ['DoorStatsDto', 'calls'],
      ['DoorStatsDto', 'errors'],
      ['ErrorCodeCountDto', 'count'],
      ['SearchesDto', 'searches'],
      ['RecentQueryDto', 'result_count'],
    ];
    expect(counts.filter(([schema, name]) => property(schema, name)?.type !== 'integer')).toEqual(
      [],
    );
  });

  it('describes the CallToolResult of an execute answer, and every success answer', () => {
    const result = JSON.stringify(
      doc.components.schemas.ExecuteResponseDto.properties.result,
    ).match(/schemas\/(\w+)/)?.[1];
    const shape = doc.components.schemas[result ?? 'none'] as unknown as {
      required: string[];
      properties: Record<string, { type?: string }>;
    };
    expect(shape.required).toEqual(expect.arrayContaining(['content', 'isError']));
    expect(shape.properties.content.type).toBe('array');
    expect(shape.properties.isError.type).toBe('boolean');
    expect(shape.properties.structuredContent.type).toBe('object');
    const undescribed = operationsOf(doc).flatMap(({ method, path, operation }) =>
      Object.entries(operation.responses)
        .filter(([, response]) => !response.description)
        .map(([status]) => `${method} ${path} ${status}`),
    );
    expect(undescribed).toEqual([]);
  });

  it('says which of the alternative fields a body needs, and every cause of a 400', async () => {
    const schemas = doc.components.schemas as unknown as Record<string, Record<string, unknown>>;
    expect(schemas.AddServersRequestDto.oneOf).toEqual([
      { required: ['config'], properties: { config: { type: 'object' } } },
      { required: ['config_data'], properties: { config_data: { type: 'string' } } },
    ]);
    expect(schemas.RemoveServerRequestDto.anyOf).toEqual([
      { required: ['server_uuid'], properties: { server_uuid: { type: 'string' } } },
      { required: ['server_name'], properties: { server_name: { type: 'string' } } },
    ]);
    const badRequest = (path: string) => doc.paths[path].post.responses['400'].description;
    expect(badRequest('/mcp/servers/remove')).toContain('Neither server_uuid nor server_name');
    for (const path of ['/mcp/servers/remove', '/mcp/tools/approve', '/sessions/create'])
      expect({ path, text: badRequest(path) }).toEqual({
        path,
        text: expect.stringContaining('unknown fields'),
      });

    const admin = { Authorization: 'Bearer openapi-admin-key' };
    for (const body of [{}, { server_name: 'x', extra: 1 }, { server_name: 5 }]) {
      const res = await gateway.post('/mcp/servers/remove', body, admin);
      expect({ body, status: res.status, code: res.body.code }).toEqual({
        body,
        status: 400,
        code: 'INVALID_REQUEST',
      });
    }
  });

  it('says that timeout_ms above the maximum is accepted and capped', () => {
    const timeout = doc.components.schemas.ExecuteRequestDto.properties.timeout_ms;
    expect(timeout.description).toMatch(/above TOOL_CALL_TIMEOUT_MAX_MS .*accepted.*capped/);
  });

  it('describes the queue door in the document description', () => {
    const text = doc.info.description;
    for (const word of [
      'mcp_requests',
      'mcp_responses',
      'QUEUE_REQUEST_STREAM',
      'QUEUE_RESPONSE_STREAM',
      'payload',
      '`execute`',
      '`search`',
      '`list_tools`',
      '`list_servers`',
      'tool_name',
      '"ok"',
      'README',
    ])
      expect(text).toContain(word);
  });

  it('matches what the gateway answers: 401 without a key where a key is documented, 400 for a blank X-Session-ID, 413 and 415 on every body route', async () => {
    for (const { method, path, operation } of operationsOf(doc)) {
      const where = `${method} ${path}`;
      const url = `${gateway.url}${path.replace(/\{[^}]+\}/g, 'sess_unknown')}`;
      const bare = await fetch(url, { method: method.toUpperCase() });
      await bare.body?.cancel();
      expect({ where, status: bare.status === 401 }).toEqual({
        where,
        status: operation.security?.length !== 0,
      });
      if (JSON.stringify(operation.parameters ?? []).includes('"X-Session-ID"')) {
        const blank = await fetch(url, {
          method: method.toUpperCase(),
          headers: { authorization: 'Bearer openapi-admin-key', 'x-session-id': '' },
        });
        expect({ where, status: blank.status, body: await blank.json() }).toMatchObject({
          where,
          status: 400,
          body: { code: 'INVALID_REQUEST', message: expect.stringContaining('X-Session-ID') },
        });
      }
      if (!operation.requestBody) continue;
      const large = await fetch(url, {
        method: method.toUpperCase(),
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer openapi-admin-key',
        },
        body: JSON.stringify({ padding: 'x'.repeat(2048) }),
      });
      expect({ where, status: large.status, body: await large.json() }).toMatchObject({
        where,
        status: 413,
        body: { code: 'PAYLOAD_TOO_LARGE' },
      });
      const text = await fetch(url, {
        method: method.toUpperCase(),
        headers: { 'content-type': 'text/plain', authorization: 'Bearer openapi-admin-key' },
        body: '{}',
      });
      expect({ where, status: text.status, body: await text.json() }).toMatchObject({
        where,
        status: 415,
        body: { code: 'UNSUPPORTED_MEDIA_TYPE' },
      });
    }
  });
});

describe('a gateway whose one server never connects', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    // One server needed, and the only one configured never answers: the gateway never serves.
    gateway = await startGateway({
      servers: { far: { url: 'http://127.0.0.1:1/mcp' } },
      env: { READY_MIN_SERVERS: '1' },
    });
  });

  it('shows the transport a url server is tried with first, as not negotiated, never "auto"', async () => {
    const res = await gateway.get('/mcp/servers');
    expect(res.body.servers).toEqual([
      expect.objectContaining({
        name: 'far',
        status: 'failed',
        transport: 'streamable-http',
        transport_negotiated: false,
      }),
    ]);
    const doc = (await gateway.get('/docs-json')).body as Document;
    const server = doc.components.schemas.ServerDto.properties as Record<
      string,
      { enum?: string[] }
    >;
    expect(server.transport.enum).toEqual(['stdio', 'streamable-http', 'sse']);
    expect(server.transport_negotiated).toBeDefined();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 503 with the error body and the summary, as its OpenAPI document says', async () => {
    const res = await gateway.get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringContaining('READY_MIN_SERVERS'),
      code: 'NOT_READY',
      request_id: res.headers.get('x-request-id'),
      status: 'unavailable',
      servers_total: 1,
      servers_connected: 0,
      tools_total: 0,
    });

    const doc = (await gateway.get('/docs-json')).body as Document;
    const ajv = new Ajv({ strict: false });
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    const schema = doc.paths['/health'].get.responses['503'].content?.['application/json'].schema;
    const rebased = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
    ) as object;
    const validate = ajv.compile(rebased);
    expect(validate(res.body) ? 'ok' : ajv.errorsText(validate.errors)).toBe('ok');
    expect(JSON.stringify(schema)).toContain('#/components/schemas/ErrorDto');
  });
});

describe('TOOL_NAME_PREFIX=never: the full server__tool name still works', () => {
  let gateway: TestGateway;
  let httpDemo: RunningHttpServer;

  beforeAll(async () => {
    httpDemo = await startDemoHttpServer();
    // 'demo' keeps the bare names; 'web' brings the same ones second and is prefixed.
    gateway = await startGateway({
      servers: { demo: demoStdioSpec(), web: { url: httpDemo.url } },
      env: { TOOL_NAME_PREFIX: 'never' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await httpDemo?.stop();
  });

  it('lists bare names for the first server and prefixed ones for the second', async () => {
    const names = (await gateway.get('/mcp/tools')).body.tools.map((t: { name: string }) => t.name);
    expect(names.sort()).toEqual([
      'calculator',
      'echo',
      'time',
      'web__calculator',
      'web__echo',
      'web__time',
    ]);
  });

  it('runs demo__echo over REST as the tool listed as echo', async () => {
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'full name' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tool_name: 'echo', server: 'demo' });
    const missing = await gateway.post('/mcp/execute', { tool_name: 'demo__nope', args: {} });
    expect(missing.body.code).toBe('TOOL_NOT_FOUND');
  });

  it('runs demo__echo through the MCP door too', async () => {
    const { client } = await connectStreamableHttp(gateway.url);
    try {
      const result = await client.callTool({
        name: 'demo__echo',
        arguments: { message: 'over mcp' },
      });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe('over mcp');
    } finally {
      await client.close();
    }
  });
});
