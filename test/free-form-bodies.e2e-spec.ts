import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { REPO_ROOT } from './helpers/paths.js';

const PAGING = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/paging-server.js');
const echoing = { command: 'node', args: [PAGING], env: { TOTAL_TOOLS: '3' } };

/** Keys that name Object.prototype members: a body rebuilt by a transformer loses them. */
const AWKWARD = {
  constructor: 'c',
  toString: 't',
  valueOf: 1,
  hasOwnProperty: 'h',
  prototype: { constructor: { a: 1 } },
  list: [{ constructor: 1, toString: [2] }],
  normal: true,
};

describe('free-form objects in REST bodies arrive exactly as sent', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { p: echoing },
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const argsSeen = (body: { result: { content: { text: string }[] } }): unknown =>
    JSON.parse(body.result.content[0].text);

  it('passes tool arguments on, keys such as constructor and toString included, at any depth', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'p__t1', args: AWKWARD });
    expect(res.status).toBe(200);
    expect(argsSeen(res.body)).toEqual(AWKWARD);
    const legacy = await gateway.post('/tool', { name: 't1', arguments: AWKWARD });
    expect(legacy.status).toBe(200);
    expect(argsSeen(legacy.body)).toEqual(AWKWARD);
  });

  it('refuses __proto__ keys at any depth (the one key that pollutes a prototype when merged), never drops them silently', async () => {
    const raw = '{"tool_name":"p__t1","args":{"a":{"__proto__":{"polluted":1},"b":2}}}';
    const res = await gateway.postRaw('/mcp/execute', raw);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'JSON body has a member named "__proto__" in args.a, which is refused',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps session metadata whole', async () => {
    const created = await gateway.post('/sessions/create', { metadata: AWKWARD });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toEqual(AWKWARD);
    const id = created.body.session_id as string;
    expect((await gateway.get(`/sessions/${id}`)).body.metadata).toEqual(AWKWARD);
    await fetch(`${gateway.url}/sessions/${id}`, { method: 'DELETE' });
  });

  it('takes an optional field sent as null as one left out, on every body route', async () => {
    const bare = await gateway.post('/mcp/execute', { tool_name: 'p__t1' });
    const execute = await gateway.post('/mcp/execute', {
      tool_name: 'p__t1',
      args: null,
      timeout_ms: null,
    });
    expect([execute.status, argsSeen(execute.body)]).toEqual([200, argsSeen(bare.body)]);
    const legacy = await gateway.post('/tool', { name: 't1', arguments: null });
    expect([legacy.status, argsSeen(legacy.body)]).toEqual([200, argsSeen(bare.body)]);
    const search = await gateway.post('/mcp/search', { query: 't1', limit: null, servers: null });
    expect(search.status).toBe(200);

    const session = await gateway.post('/sessions/create', { metadata: null });
    expect([session.status, session.body.metadata]).toEqual([201, {}]);
    await fetch(`${gateway.url}/sessions/${session.body.session_id as string}`, {
      method: 'DELETE',
    });

    const added = await gateway.post('/mcp/servers/add', {
      config: null,
      config_data: JSON.stringify({ mcpServers: { nulls: echoing } }),
    });
    expect([added.status, added.body.added?.[0]?.name]).toEqual([201, 'nulls']);
    const removed = await gateway.post('/mcp/servers/remove', {
      server_name: 'nulls',
      server_uuid: null,
    });
    expect([removed.status, removed.body.removed?.name]).toEqual([200, 'nulls']);

    // A required field is never optional: null there is still the wrong type.
    const noName = await gateway.post('/mcp/execute', { tool_name: null });
    expect([noName.status, noName.body.message]).toEqual([400, 'tool_name must be a string']);
  });

  it('marks every optional field of a request body nullable in the OpenAPI document', async () => {
    const doc = (await gateway.get('/docs-json')).body as {
      components: {
        schemas: Record<string, { required?: string[]; properties: Record<string, object> }>;
      };
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const bodies = new Set(
      Object.values(doc.paths)
        .flatMap((item) => Object.values(item))
        .map((op) => /schemas\/(\w+)/.exec(JSON.stringify(op.requestBody ?? ''))?.[1])
        .filter((name): name is string => name !== undefined),
    );
    expect(bodies.size).toBeGreaterThan(6);
    const notNullable: string[] = [];
    for (const name of bodies) {
      const { required = [], properties } = doc.components.schemas[name];
      for (const [field, schema] of Object.entries(properties)) {
        if (!required.includes(field) && !('nullable' in schema))
          notNullable.push(`${name}.${field}`);
      }
    }
    expect(notNullable).toEqual([]);
  });

  it('adds a server named like an Object member, in both body forms', async () => {
    const added = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { constructor: echoing, plain: echoing } },
    });
    expect(added.status).toBe(201);
    expect(added.body.added.map((s: { name: string }) => s.name).sort()).toEqual([
      'constructor',
      'plain',
    ]);
    const legacy = await gateway.post('/add-server', { mcpServers: { toString: echoing } });
    expect(legacy.status).toBe(201);
    const call = await gateway.post('/mcp/execute', {
      tool_name: 'constructor__t2',
      args: { x: 1 },
    });
    expect(argsSeen(call.body)).toEqual({ x: 1 });
    for (const name of ['constructor', 'plain', 'toString']) {
      expect((await gateway.post('/mcp/servers/remove', { server_name: name })).status).toBe(200);
    }
  });
});
