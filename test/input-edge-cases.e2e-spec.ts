import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { RAW_STDIO_SERVER, rawStdioServerFile } from './helpers/raw-stdio-server.js';

/** Servers added over the API may not use `node -e`, so the script goes to a file. */
const RAW_SERVER_FILE = rawStdioServerFile();

function rawServer(toolNames: string[]) {
  const tools = toolNames.map((name) => ({ name, inputSchema: { type: 'object' } }));
  return { command: 'node', args: [RAW_SERVER_FILE], env: { TOOLS: JSON.stringify(tools) } };
}

interface CatalogEntry {
  name: string;
  server: string;
  tool: string;
}

describe('servers whose namespaced tool names meet ("a" + "b__echo" and "a__b" + "echo")', () => {
  let gateway: TestGateway;
  const tools = async () =>
    ((await gateway.get('/mcp/tools')).body.tools as CatalogEntry[]).filter((t) =>
      t.server.startsWith('ns'),
    );

  beforeAll(async () => {
    gateway = await startGateway({ env: { GATEWAY_STDIO_ALLOWLIST: 'node *' } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('a newcomer never takes over the name of a tool another server already offers', async () => {
    let res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { ns__b: demoStdioSpec() } },
    });
    expect(res.status).toBe(201);
    res = await gateway.post('/mcp/servers/add', {
      config: { mcpServers: { ns: rawServer(['b__echo']) } },
    });
    expect(res.status).toBe(201);

    // Both tools are in the catalog, each under its own name.
    const catalog = await tools();
    const echo = catalog.find((t) => t.server === 'ns__b' && t.tool === 'echo');
    const raw = catalog.find((t) => t.server === 'ns' && t.tool === 'b__echo');
    expect(echo?.name).toBe('ns__b__echo');
    expect(raw).toBeDefined();
    expect(raw!.name).not.toBe('ns__b__echo');
    expect(res.body.added[0].tools).toEqual([raw!.name]);

    // The first server's name still reaches the first server.
    res = await gateway.post('/mcp/execute', {
      tool_name: 'ns__b__echo',
      args: { message: 'first' },
    });
    expect(res.status).toBe(200);
    expect(res.body.server).toBe('ns__b');
    res = await gateway.post('/mcp/execute', { tool_name: raw!.name, args: {} });
    expect(res.status).toBe(200);
    expect(res.body.server).toBe('ns');

    // Removing the newcomer leaves the first server's tool in place.
    res = await gateway.post('/mcp/servers/remove', { server_name: 'ns' });
    expect(res.status).toBe(200);
    expect((await tools()).map((t) => t.name)).toContain('ns__b__echo');
    res = await gateway.post('/mcp/execute', { tool_name: 'ns__b__echo', args: { message: 'x' } });
    expect(res.status).toBe(200);
  });
});

/** Sends `raw` bytes on a fresh connection and resolves with all the server wrote back. */
function rawExchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(out);
    });
  });
}

describe('requests HTTP itself refuses, before any route sees them', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const host = () => new URL(gateway.url).host;

  it.each([
    ['headers over the size limit', () => `X-Request-ID: ${'r'.repeat(20_000)}\r\n`, 431],
    ['a Content-Length that is not a number', () => 'Content-Length: 1x\r\n', 400],
    [
      'Content-Length and Transfer-Encoding both',
      () => 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n',
      400,
    ],
    ['a header line with no colon', () => 'Not a header\r\n', 400],
  ])('answers %s with a JSON error body', async (_, extra, status) => {
    const raw = await rawExchange(
      gateway.url,
      `POST /mcp/search HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\n${extra()}\r\n`,
    );
    const [head, body] = raw.split('\r\n\r\n');
    // The reason phrase is the status's own, in the status line and in `error`.
    const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} ${reason}\r\n`));
    expect(head.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(body)).toEqual({
      statusCode: status,
      error: reason,
      message: expect.any(String),
      code: 'INVALID_REQUEST',
      request_id: expect.any(String),
    });
    // Still serving.
    expect((await gateway.get('/health/live')).status).toBe(200);
  });
});

describe('one message per problem', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers an empty search query as blank once, not also as too short', async () => {
    for (const query of ['', '   ']) {
      const res = await gateway.post('/mcp/search', { query });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(['query must not be blank']);
    }
  });
});

describe('TOOL_NAME_PREFIX=auto: two tools whose <server>__<tool> forms meet', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *', TOOL_NAME_PREFIX: 'auto' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers the shared full name 409 with both tools, and each server keeps its own', async () => {
    for (const [name, tool] of [
      ['qq', 'b__x'],
      ['qq__b', 'x'],
    ]) {
      const res = await gateway.post('/mcp/servers/add', {
        config: { mcpServers: { [name]: rawServer([tool]) } },
      });
      expect(res.status).toBe(201);
      expect(res.body.added).toHaveLength(1);
    }
    // "qq" + "b__x" and "qq__b" + "x" are both qq__b__x: it names neither for sure.
    let res = await gateway.post('/mcp/execute', { tool_name: 'qq__b__x' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('TOOL_AMBIGUOUS');
    expect(res.body.details.candidates).toEqual(['b__x', 'x']);

    // Once one of them is gone, the full name is the other's again.
    res = await gateway.post('/mcp/servers/remove', { server_name: 'qq__b' });
    expect(res.status).toBe(200);
    res = await gateway.post('/mcp/execute', { tool_name: 'qq__b__x' });
    expect(res.status).toBe(200);
    expect(res.body.server).toBe('qq');
  });
});

describe('a server removed while it is still connecting', () => {
  let gateway: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-edge-'));
  const pidFile = join(dir, 'pid');
  // Starts, says its pid, and never answers the handshake (keeps reading stdin).
  const script = join(dir, 'silent-server.cjs');
  writeFileSync(
    script,
    `require('node:fs').writeFileSync(process.env.PID_FILE, String(process.pid)); process.stdin.resume();`,
  );

  beforeAll(async () => {
    gateway = await startGateway({
      env: { GATEWAY_STDIO_ALLOWLIST: 'node *', SERVER_CONNECT_TIMEOUT_MS: '20000' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('is gone, process included, when the remove answers; the add answers at once', async () => {
    const started = Date.now();
    const adding = gateway.post('/mcp/servers/add', {
      config: {
        mcpServers: { silent: { command: 'node', args: [script], env: { PID_FILE: pidFile } } },
      },
    });
    let pid = 0;
    for (const deadline = Date.now() + 10_000; !pid && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        pid = Number(readFileSync(pidFile, 'utf8'));
      } catch {
        // not started yet
      }
    }
    expect(pid).toBeGreaterThan(0);

    const removed = await gateway.post('/mcp/servers/remove', { server_name: 'silent' });
    expect(removed.status).toBe(200);
    expect(isAlive(pid)).toBe(false);

    // The add that was waiting for the handshake does not wait for SERVER_CONNECT_TIMEOUT_MS.
    const added = await adding;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(added.status).toBe(201);
    expect(added.body.added).toEqual([]);
    expect(added.body.failed).toEqual([
      { name: 'silent', error: 'closed while it was connecting (removed, or its session ended)' },
    ]);
    expect((await gateway.get('/mcp/servers')).body.servers).toEqual([]);
  });
});

describe('a request the shutdown grace cut off, finishing afterwards', () => {
  it('gets its 503, and its late answer is not logged as an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-edge-'));
    const script = join(dir, 'silent-server.cjs');
    writeFileSync(script, 'process.stdin.resume();');
    const gateway = await startGateway({
      env: {
        GATEWAY_STDIO_ALLOWLIST: 'node *',
        SERVER_CONNECT_TIMEOUT_MS: '20000',
        SHUTDOWN_GRACE_MS: '200',
      },
    });
    const errors: string[] = [];
    const spy = jest
      .spyOn(PinoLoggerService.prototype, 'error')
      .mockImplementation((message: unknown) => void errors.push(String(message)));
    try {
      const adding = gateway.post('/mcp/servers/add', {
        config: { mcpServers: { silent: { command: 'node', args: [script] } } },
      });
      await new Promise((r) => setTimeout(r, 500));
      await gateway.close();
      const res = await adding;
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('NOT_READY');
      await new Promise((r) => setTimeout(r, 200));
      expect(errors.filter((line) => line.includes('ERR_HTTP_HEADERS_SENT'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a JSON object naming the same member twice', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ servers: { demo: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is refused with 400 naming the member, not read as its last value', async () => {
    // A proxy or policy in front may read the first value while the gateway used the last.
    for (const [path, raw, key] of [
      ['/mcp/execute', '{"tool_name":"demo__time","tool_name":"demo__echo"}', 'tool_name'],
      [
        '/mcp/execute',
        '{"tool_name":"demo__echo","args":{"message":"a","message":"b"}}',
        'message',
      ],
      ['/mcp/search', '{"query":"echo","limit":1,"lim\\u0069t":50}', 'limit'],
      ['/sessions/create', '{"metadata":{"o":[{"k":1,"k":2}]}}', 'k'],
    ]) {
      const res = await gateway.postRaw(path, raw);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST' });
      expect(res.body.message).toBe(`JSON body names "${key}" twice in one object`);
    }
  });

  it('in config_data, a server given twice is refused rather than one of them dropped', async () => {
    const configData =
      '{"mcpServers":{"twice":{"url":"http://127.0.0.1:1/a"},"twice":{"url":"http://127.0.0.1:1/b"}}}';
    const res = await gateway.post('/mcp/servers/add', { config_data: configData });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_SERVER_CONFIG');
    expect(res.body.message).toContain('"twice" twice');
    // config_data that is not text never reaches the check as such.
    const empty = await gateway.post('/mcp/servers/add', { config_data: null });
    expect(empty.status).toBeLessThan(500);
  });

  it('still takes the same name in different objects, and in strings', async () => {
    const res = await gateway.postRaw(
      '/mcp/execute',
      '{"tool_name":"demo__echo","args":{"message":"{\\"a\\":1,\\"a\\":2}","delay_ms":0}}',
    );
    expect(res.status).toBe(200);
    const session = await gateway.postRaw(
      '/sessions/create',
      '{"metadata":{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}}',
    );
    expect(session.status).toBe(201);
  });
});

describe('remote server headers that HTTP cannot carry', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('are a config error (400) naming the header, never showing its value', async () => {
    const SECRET = 'hdr-secret-5c1e';
    for (const [headers, problem] of [
      [{ 'X-Token': `a\r\nX-Injected: ${SECRET}` }, '"headers": the value of "X-Token"'],
      [{ 'X-Token': `${SECRET} \u2603` }, '"headers": the value of "X-Token"'],
      [{ 'Bad Name': SECRET }, '"headers": "Bad Name" is not a valid header name'],
    ] as const) {
      const res = await gateway.post('/mcp/servers/add', {
        config: { mcpServers: { h: { url: 'http://127.0.0.1:1/mcp', headers } } },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_SERVER_CONFIG');
      expect(res.body.message).toContain(problem);
      expect(res.text).not.toContain(SECRET);
    }
  });
});

describe('a server whose tool definition or result nests thousands of levels deep', () => {
  let gateway: TestGateway;
  let schema: Record<string, unknown> = { type: 'object' };
  for (let i = 0; i < 1500; i++) schema = { type: 'object', properties: { p: schema } };
  const tools = [
    { name: 'deep_schema', inputSchema: schema },
    { name: 'deep', inputSchema: { type: 'object' } },
  ];

  beforeAll(async () => {
    gateway = await startGateway({
      servers: {
        demo: demoStdioSpec(),
        raw: {
          command: 'node',
          args: [RAW_SERVER_FILE],
          env: { TOOLS: JSON.stringify(tools), DEEP_LEVELS: '20000' },
        },
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('leaves the deep tool out, named, and every catalog route keeps working', async () => {
    const servers = await gateway.get('/mcp/servers');
    expect(servers.status).toBe(200);
    const raw = servers.body.servers.find((s: { name: string }) => s.name === 'raw');
    expect(raw).toMatchObject({ status: 'connected', tools: ['raw__deep'] });
    expect(raw.skipped_tools).toEqual([
      { tool: 'deep_schema', reason: 'definition nested deeper than 100 levels' },
    ]);
    expect((await gateway.get('/mcp/tools')).status).toBe(200);
    expect((await gateway.post('/mcp/search', { query: 'deep schema' })).status).toBe(200);
    expect((await gateway.get('/health/ready')).status).toBe(200);
    const echo = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'm' },
    });
    expect(echo.status).toBe(200);
  });

  it('answers a result nested too deep to relay with a 502, not a 500', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'raw__deep', args: {} });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      code: 'RESULT_TOO_LARGE',
      message: "The result of 'raw__deep' is nested too deeply to relay",
    });
  });
});

describe('a servers-file stdio server too slow to answer its first handshake', () => {
  let gateway: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-slow-start-'));
  const script = join(dir, 'slow-first-start.cjs');
  // The first start only marks that it ran and never answers, as an `npx -y` still
  // downloading would; every later start is a working server.
  writeFileSync(
    script,
    `const fs = require('node:fs');
     if (!fs.existsSync(process.env.MARKER)) { fs.writeFileSync(process.env.MARKER, ''); process.stdin.resume(); }
     else {${RAW_STDIO_SERVER}}`,
  );
  const tools = JSON.stringify([{ name: 'ready', inputSchema: { type: 'object' } }]);

  beforeAll(async () => {
    gateway = await startGateway({
      servers: {
        slow: { command: 'node', args: [script], env: { MARKER: join(dir, 'ran'), TOOLS: tools } },
      },
      env: { SERVER_CONNECT_TIMEOUT_MS: '1000' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is tried again, not left failed as a configuration error', async () => {
    let status = '';
    for (const deadline = Date.now() + 15_000; status !== 'connected' && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 200));
      const servers = (await gateway.get('/mcp/servers')).body.servers as { status: string }[];
      status = servers[0]?.status ?? '';
    }
    expect(status).toBe('connected');
    const call = await gateway.post('/mcp/execute', { tool_name: 'slow__ready', args: {} });
    expect(call.status).toBe(200);
  });
});
