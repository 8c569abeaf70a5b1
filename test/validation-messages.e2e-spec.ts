import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

/** One message per mistake, naming the field, in API.md's error body. */
describe('validation messages say what is wrong, once', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const expectInvalid = (
    res: { status: number; body: Record<string, unknown> },
    message: string,
  ) => {
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_REQUEST',
      message,
      request_id: expect.any(String),
    });
  };

  it('answers a body of null (valid JSON) as "must be a JSON object", not as malformed JSON', async () => {
    for (const path of ['/mcp/search', '/mcp/execute', '/sessions/create']) {
      expectInvalid(
        await gateway.postRaw(path, 'null'),
        'The request body must be a JSON object, not null',
      );
    }
    expectInvalid(
      await gateway.postRaw('/mcp/search', '5'),
      'The request body must be a JSON object, not a number',
    );
    // Real syntax errors still say so.
    const broken = await gateway.postRaw('/mcp/search', 'nul');
    expect(broken.status).toBe(400);
    expect(broken.body.message).toContain('Malformed JSON');
  });

  it('answers an array body as "must be a JSON object", not "property 0 should not exist"', async () => {
    for (const [path, raw] of [
      ['/mcp/search', '[1,2]'],
      ['/mcp/execute', '[{"tool_name":"demo__echo"}]'],
      // Every field optional: the array used to pass as an empty body.
      ['/sessions/create', '[]'],
    ]) {
      const res = await gateway.postRaw(path, raw);
      expectInvalid(res, 'The request body must be a JSON object, not an array');
      expect(res.body.details).toEqual(['The request body must be a JSON object, not an array']);
    }
  });

  it('answers a limit of the wrong type with its type only, not the range it was never in', async () => {
    const res = await gateway.post('/mcp/search', { query: 'echo', limit: '3' });
    expectInvalid(res, 'limit must be an integer number');
    expect(res.body.details).toEqual(['limit must be an integer number']);
    // A number out of range still gets the range.
    expectInvalid(
      await gateway.post('/mcp/search', { query: 'echo', limit: 51 }),
      'limit must not be greater than 50',
    );
    expectInvalid(
      await gateway.post('/mcp/execute', { tool_name: 5 }),
      'tool_name must be a string',
    );
  });

  it('answers a missing required field as required, one message per field', async () => {
    expectInvalid(await gateway.post('/mcp/execute', {}), 'tool_name is required');
    expectInvalid(
      await gateway.post('/mcp/execute', { args: { message: 'x' } }),
      'tool_name is required',
    );
    expectInvalid(await gateway.post('/tool', { arguments: {} }), 'name is required');
    expectInvalid(
      await gateway.post('/mcp/execute', { tool_name: '' }),
      'tool_name must not be empty',
    );
    expectInvalid(
      await gateway.post('/tool', { name: '', arguments: {} }),
      'name must not be empty',
    );
    expectInvalid(await gateway.post('/add-server', {}), 'mcpServers is required');
    // Every broken field is still reported, each once.
    const both = await gateway.post('/mcp/search', { limit: '3', extra: 1 });
    expect(both.status).toBe(400);
    expect([...(both.body.details as string[])].sort()).toEqual([
      'limit must be an integer number',
      'property extra should not exist',
      'query is required',
    ]);
  });

  it('refuses unknown fields named like members every object has, as any unknown field', async () => {
    const body = { tool_name: 'demo__echo', args: { message: 'm' } };
    for (const key of ['toString', 'valueOf', 'hasOwnProperty', 'constructor', 'prototype']) {
      const res = await gateway.post('/mcp/execute', { ...body, [key]: 1 });
      expectInvalid(res, `property ${key} should not exist`);
    }
    expectInvalid(
      await gateway.post('/mcp/search', { query: 'time', isPrototypeOf: 1 }),
      'property isPrototypeOf should not exist',
    );
    expectInvalid(
      await gateway.post('/sessions/create', { __defineGetter__: 1 }),
      'property __defineGetter__ should not exist',
    );
  });

  it('answers a constructor or prototype key nested in a typed or unknown field with 400, not 500', async () => {
    const cases: [string, unknown, string][] = [
      ['/mcp/execute', { tool_name: { constructor: 1 } }, 'tool_name must be a string'],
      [
        '/mcp/execute',
        { tool_name: { constructor: { prototype: {} } } },
        'tool_name must be a string',
      ],
      [
        '/mcp/execute',
        { tool_name: 'demo__time', timeout_ms: { constructor: 1 } },
        'timeout_ms must be an integer number',
      ],
      [
        '/mcp/search',
        { query: 'x', servers: [{ constructor: 1 }] },
        'each value in servers must be a string',
      ],
      ['/mcp/servers/add', { config_data: { constructor: 1 } }, 'config_data must be a string'],
      ['/mcp/servers/remove', { server_name: { prototype: 1 } }, 'server_name must be a string'],
      ['/sessions/create', { x: { constructor: 1 } }, 'property x should not exist'],
      ['/add-server', { mcpServers: {}, x: [{ constructor: 1 }] }, 'property x should not exist'],
    ];
    for (const [path, body, message] of cases) {
      const res = await gateway.post(path, body);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.code).toBe('INVALID_REQUEST');
      expect(res.body.message).toContain(message);
    }
    // In a tool's arguments the same keys are data, passed on (free-form-bodies.e2e-spec).
    const echoed = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'm', constructor: { prototype: 1 } },
    });
    expect(echoed.status).toBe(200);
    expect(echoed.body.result.content[0].text).toBe('m');
  });
});
