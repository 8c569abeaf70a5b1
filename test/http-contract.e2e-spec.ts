import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';

describe('HTTP contract: bad input gets a clear 4xx JSON error', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { MAX_BODY_BYTES: '4096' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const expectErrorBody = (body: Record<string, unknown>, status: number) => {
    expect(body).toMatchObject({
      statusCode: status,
      error: expect.any(String),
      message: expect.any(String),
    });
    expect(body.request_id).toEqual(expect.any(String));
  };

  it('answers malformed JSON with 400', async () => {
    const res = await gateway.postRaw('/mcp/execute', '{"tool_name": ');
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 400);
    expect(res.body.message).toContain('Malformed JSON');
  });

  it('answers JSON nested deeper than any tool needs with 400, on every body route', async () => {
    // Unbounded, a few thousand levels (6 KB) overflowed the stack of validation: a 500.
    const deep = '['.repeat(1000) + ']'.repeat(1000);
    for (const [path, body] of [
      ['/mcp/execute', `{"tool_name":"demo__echo","args":{"message":"x","d":${deep}}}`],
      ['/mcp/search', `{"query":"echo","servers":${deep}}`],
      ['/sessions/create', `{"metadata":{"d":${deep}}}`],
    ]) {
      const res = await gateway.postRaw(path, body);
      expect(res.status).toBe(400);
      expectErrorBody(res.body, 400);
      expect(res.body.message).toBe('JSON body is nested deeper than 64 levels');
    }
    // 64 levels are fine.
    const ok = '['.repeat(62) + ']'.repeat(62);
    const res = await gateway.postRaw(
      '/mcp/execute',
      `{"tool_name":"demo__echo","args":{"message":"x","d":${ok}}}`,
    );
    expect(res.status).not.toBe(500);
    expect(res.body.message ?? '').not.toContain('nested');
  });

  it('refuses a member named __proto__ rather than drop it silently on the way to the tool', async () => {
    const res = await gateway.postRaw(
      '/mcp/execute',
      '{"tool_name":"demo__echo","args":{"message":"x","__proto__":{"admin":true}}}',
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'JSON body has a member named "__proto__" in args, which is refused',
    );
    const mcp = await gateway.postRaw(
      '/mcp',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"demo__echo","arguments":{"message":"x","__proto__":{}}}}',
      { accept: 'application/json, text/event-stream' },
    );
    expect(mcp.status).toBe(400);
    expect(JSON.stringify(mcp.body)).toContain('__proto__');
    // A value "__proto__" is only a string.
    const value = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: '__proto__' },
    });
    expect(value.status).toBe(200);
  });

  it('refuses a number too large for a double rather than pass the tool null', async () => {
    const res = await gateway.postRaw(
      '/mcp/execute',
      '{"tool_name":"demo__echo","args":{"message":"x","n":[1,-1e400]}}',
    );
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 400);
    expect(res.body.code).toBe('INVALID_REQUEST');
    expect(res.body.message).toBe('JSON body has a number too large to represent at args.n[1]');
    // On the MCP door too, as a JSON-RPC error.
    const mcp = await gateway.postRaw(
      '/mcp',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"demo__echo","arguments":{"message":1e999}}}',
      { accept: 'application/json, text/event-stream' },
    );
    expect(mcp.status).toBe(400);
    expect(JSON.stringify(mcp.body)).toContain(
      'too large to represent at params.arguments.message',
    );
    // Large but finite numbers pass.
    const big = await gateway.postRaw(
      '/mcp/execute',
      '{"tool_name":"demo__echo","args":{"message":"x","n":1e308}}',
    );
    expect(big.status).not.toBe(400);
  });

  it('answers a body that is not JSON with 415 naming the media type', async () => {
    const body = '{"tool_name":"demo__echo","args":{"message":"x"}}';
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await gateway.postRaw('/mcp/execute', body, { 'content-type': type });
      expect(res.status).toBe(415);
      expectErrorBody(res.body, 415);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.message).toBe(`Content-Type must be application/json (got ${type})`);
    }
    const json = await gateway.postRaw('/mcp/execute', body, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(json.status).toBe(200);
    // A +json type passes the check, so it is parsed too, not read as an empty body.
    const plusJson = await gateway.postRaw('/mcp/execute', body, {
      'content-type': 'application/merge-patch+json',
    });
    expect(plusJson.status).toBe(200);
    const latin1 = await gateway.postRaw('/mcp/execute', body, {
      'content-type': 'application/json; charset=latin1',
    });
    expect(latin1.status).toBe(415);
    expect(latin1.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a body that does not match its Content-Encoding with 400', async () => {
    const res = await gateway.postRaw('/mcp/execute', 'not gzip', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 400);
    expect(res.body.message).toContain('does not match its Content-Encoding');
  });

  it('answers bad bodies on /mcp with JSON-RPC errors, as MCP clients expect', async () => {
    const accept = { accept: 'application/json, text/event-stream' };
    const parse = await gateway.postRaw('/mcp', '{"jsonrpc": ', accept);
    expect(parse.status).toBe(400);
    expect(parse.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const media = await gateway.postRaw('/mcp', '{}', { ...accept, 'content-type': 'text/plain' });
    expect(media.status).toBe(415);
    expect(media.body).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringContaining('application/json') },
    });
  });

  it('answers a body over the limit with 413', async () => {
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'x'.repeat(10_000) },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects unknown fields and wrong types, naming them', async () => {
    const unknown = await gateway.post('/mcp/execute', { tool_name: 'demo__echo', argz: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('argz');
    const wrongType = await gateway.post('/mcp/execute', { tool_name: 42, args: 'nope' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toContain('tool_name');
    expect(wrongType.body.message).toContain('args');
    const missing = await gateway.post('/mcp/execute', {});
    expect(missing.status).toBe(400);
  });

  it('rejects invalid server configs with every problem named', async () => {
    const res = await gateway.post('/mcp/servers/add', {
      config: {
        mcpServers: {
          a: { command: 'x', url: 'http://h' },
          b: { url: 'ftp://h' },
          c: { command: 'x', env: { K: 1 } },
        },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_SERVER_CONFIG');
    expect(res.body.message).toContain('a: give exactly one');
    expect(res.body.message).toContain('b: "url" must be http or https');
    expect(res.body.message).toContain('c: "env" must be an object of string values');
    const both = await gateway.post('/mcp/servers/add', { config_data: '{}', config: {} });
    expect(both.status).toBe(400);
    const text = await gateway.post('/mcp/servers/add', { config_data: '{not json' });
    expect(text.status).toBe(400);
    expect(text.body.message).toContain('not valid JSON');
  });

  it('answers an unknown session with 404, never falling back to global', async () => {
    for (const path of ['/mcp/tools', '/mcp/servers']) {
      const res = await gateway.get(path, { 'X-Session-ID': 'sess_unknown' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('SESSION_NOT_FOUND');
    }
    const exec = await gateway.post(
      '/mcp/execute',
      { tool_name: 'demo__echo', args: { message: 'x' } },
      { 'X-Session-ID': 'sess_unknown' },
    );
    expect(exec.status).toBe(404);
  });

  it('answers a blank X-Session-ID with 400, never falling back to global', async () => {
    for (const blank of ['', '   ']) {
      const list = await gateway.get('/mcp/tools', { 'X-Session-ID': blank });
      expect(list.status).toBe(400);
      expectErrorBody(list.body, 400);
      expect(list.body.message).toContain('X-Session-ID is empty');
      const exec = await gateway.post(
        '/mcp/execute',
        { tool_name: 'demo__echo', args: { message: 'x' } },
        { 'X-Session-ID': blank },
      );
      expect(exec.status).toBe(400);
    }
    const mcp = await gateway.postRaw(
      '/mcp',
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
      { accept: 'application/json, text/event-stream', 'X-Session-ID': '' },
    );
    expect(mcp.status).toBe(400);
    expect(mcp.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
  });

  it('answers an X-Session-ID sent twice with 400, not as an unknown session', async () => {
    const twice = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // fetch joins repeated headers itself; node:http sends each line as given.
      const req = httpRequest(
        `${gateway.url}/mcp/tools`,
        { headers: { 'X-Session-ID': ['sess_a', 'sess_b'] } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.once('error', reject);
      req.end();
    });
    expect(twice.status).toBe(400);
    expect(twice.body).toContain('X-Session-ID was sent more than once');
  });

  it('refuses a foreign Host or Origin on every route (DNS rebinding, cross-site pages)', async () => {
    const port = new URL(gateway.url).port;
    const withHeaders = (method: string, path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${gateway.url}${path}`, { method, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end(
          method === 'POST' ? '{"tool_name":"demo__echo","args":{"message":"x"}}' : undefined,
        );
      });
    const json = { 'content-type': 'application/json' };
    // A rebinding page: its own name as Host.
    expect(
      await withHeaders('POST', '/mcp/execute', { ...json, host: `evil.example:${port}` }),
    ).toBe(403);
    expect(await withHeaders('GET', '/mcp/servers', { host: `evil.example:${port}` })).toBe(403);
    // A cross-site page: a body-less POST needs no preflight, and would start a session.
    expect(await withHeaders('POST', '/sessions/create', { origin: 'http://evil.example' })).toBe(
      403,
    );
    // The gateway's own names, and any IP address (probes and scrapers use the pod IP).
    expect(await withHeaders('POST', '/mcp/execute', { ...json, host: `localhost:${port}` })).toBe(
      200,
    );
    expect(await withHeaders('GET', '/health/live', { host: `10.1.2.3:${port}` })).toBe(200);
  });

  it('refuses a Host header sent twice or missing, and checks an absolute-form target as it checks Host', async () => {
    const port = Number(new URL(gateway.url).port);
    const raw = (head: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`${head}\r\nConnection: close\r\n\r\n`),
        );
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    const twice = await raw('GET /mcp/tools HTTP/1.1\r\nHost: localhost\r\nHost: evil.example');
    expect(twice).toMatch(/^HTTP\/1\.1 400 /);
    expect(twice).toContain('The Host header is sent twice');
    // Two Content-Types, in either order: no reading of the body wins over the other.
    for (const [first, second] of [
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
    ]) {
      const body = '{"tool_name":"demo__echo","args":{"message":"m"}}';
      const types = await raw(
        `POST /mcp/execute HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${first}\r\nContent-Type: ${second}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(types).toMatch(/^HTTP\/1\.1 400 /);
      expect(types).toContain('The Content-Type header is sent twice');
    }
    // Node's own answer to a missing Host would be a bare 400 with no body.
    const missing = await raw('GET /mcp/tools HTTP/1.1');
    expect(missing).toMatch(/^HTTP\/1\.1 400 /);
    expect(missing).toContain('"message":"The Host header is missing"');
    expect(missing).toMatch(/x-request-id: /i);
    const foreign = await raw('GET http://evil.example/mcp/tools HTTP/1.1\r\nHost: localhost');
    expect(foreign).toMatch(/^HTTP\/1\.1 403 /);
    const own = await raw(`GET http://localhost:${port}/mcp/tools HTTP/1.1\r\nHost: localhost`);
    expect(own).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await gateway.get('/nope');
    expect(res.status).toBe(404);
    expectErrorBody(res.body, 404);
    expect(res.body.code).toBe('ROUTE_NOT_FOUND');
    expect(res.body.message).toBe(
      'No route GET /nope; the OpenAPI document at /docs-json lists them',
    );
  });

  it('answers a body refused before routing (bad JSON, wrong media type) on a path no route serves as 404 or 405, not 400', async () => {
    const unknown = await gateway.postRaw('/nope', '{bad');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ROUTE_NOT_FOUND');
    const getOnly = await gateway.postRaw('/mcp/tools', 'plain', { 'content-type': 'text/plain' });
    expect(getOnly.status).toBe(405);
    expect(getOnly.headers.get('allow')).toBe('GET, HEAD');
    // Where a route takes the body, its problem is still the answer.
    const known = await gateway.postRaw('/mcp/execute', '{bad');
    expect(known.status).toBe(400);
    expect(known.body.message).toMatch(/^Malformed JSON/);
    // A path whose parameter does not decode is that route's (a 405 here: GET, DELETE), and
    // the gateway lives on.
    const undecodable = await gateway.postRaw('/sessions/%E0%A4%A', '{bad');
    expect(undecodable.status).toBe(405);
    expect((await gateway.get('/health/live')).status).toBe(200);
  });

  it('answers a known path with the wrong method 405, naming the methods it takes', async () => {
    const execute = await fetch(`${gateway.url}/mcp/execute`);
    expect(execute.status).toBe(405);
    expect(execute.headers.get('allow')).toBe('POST');
    const body = (await execute.json()) as Record<string, unknown>;
    expectErrorBody(body, 405);
    expect(body).toMatchObject({
      code: 'METHOD_NOT_ALLOWED',
      message: 'GET is not allowed on /mcp/execute; it answers POST',
      details: { allowed: ['POST'] },
    });
    // A parameterised path, and one that answers two methods.
    const session = await fetch(`${gateway.url}/sessions/sess_x`, { method: 'PUT' });
    expect(session.status).toBe(405);
    expect(session.headers.get('allow')).toBe('DELETE, GET, HEAD');
    const tools = await fetch(`${gateway.url}/mcp/tools`, { method: 'DELETE' });
    expect(tools.status).toBe(405);
    expect(tools.headers.get('allow')).toBe('GET, HEAD');
  });

  it("answers /sessions/create as the create route whatever the method, not as a session called 'create'", async () => {
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const res = await fetch(`${gateway.url}/sessions/create`, { method });
      expect({ method, status: res.status, allow: res.headers.get('allow') }).toEqual({
        method,
        status: 405,
        allow: 'POST',
      });
      const body = (await res.json()) as Record<string, unknown>;
      expectErrorBody(body, 405);
      expect(body).toMatchObject({
        code: 'METHOD_NOT_ALLOWED',
        message: `${method} is not allowed on /sessions/create; it answers POST`,
      });
    }
  });

  it('echoes a sane request id and makes one up otherwise', async () => {
    const given = await gateway.get('/mcp/tools', { 'X-Request-ID': 'trace-123' });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const bad = await gateway.post('/mcp/execute', {}, { 'X-Request-ID': 'bad id\twith tabs' });
    const id = bad.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.body.request_id).toBe(id);
  });
});

describe('SSRF guard on servers added over the API', () => {
  it('refuses metadata and, on a network-facing gateway, private addresses, before any connection', async () => {
    const gateway = await startGateway({ env: { GATEWAY_ALLOW_PRIVATE_UPSTREAMS: 'false' } });
    try {
      for (const url of [
        'http://169.254.169.254/latest/meta-data',
        'http://[::ffff:169.254.169.254]/',
        'http://0x7f000001:8000/mcp',
        'http://localhost:8000/mcp',
        'http://10.0.0.8/mcp',
      ]) {
        const res = await gateway.post('/mcp/servers/add', {
          config: { mcpServers: { probe: { url } } },
        });
        expect([url, res.status, res.body.code]).toEqual([url, 403, 'UPSTREAM_ADDRESS_REFUSED']);
      }
      expect((await gateway.get('/mcp/servers')).body.servers).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});

describe('connections to servers added over the API', () => {
  it('go to the address checked at add time and never follow a redirect', async () => {
    const { createServer } = await import('node:http');
    const redirector = createServer((_req, res) => {
      res.writeHead(307, { Location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const port = (redirector.address() as { port: number }).port;
    const { startDemoHttpServer } = await import('./helpers/demo-http-server.js');
    const demo = await startDemoHttpServer();
    const gateway = await startGateway();
    try {
      const redirected = await gateway.post('/mcp/servers/add', {
        config: { mcpServers: { hop: { url: `http://127.0.0.1:${port}/mcp` } } },
      });
      expect(redirected.status).toBe(201);
      expect(redirected.body.added).toEqual([]);
      expect(redirected.body.failed[0].error).toMatch(/not followed|307/);

      // A host name is resolved once, checked, and the connection pinned to what was checked.
      const byName = await gateway.post('/mcp/servers/add', {
        config: { mcpServers: { named: { url: demo.url.replace('127.0.0.1', 'localhost') } } },
      });
      expect(byName.body.failed).toEqual([]);
      const call = await gateway.post('/mcp/execute', {
        tool_name: 'named__echo',
        args: { message: 'pinned' },
      });
      expect(call.body.result.content[0].text).toBe('pinned');
    } finally {
      await gateway.close();
      await demo.stop();
      redirector.close();
    }
  });
});
