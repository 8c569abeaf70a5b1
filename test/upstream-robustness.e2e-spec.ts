import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { RAW_STDIO_SERVER } from './helpers/raw-stdio-server.js';
import { RawMcp } from './helpers/security.js';

const CANARY = 'canary-secret-3b8e51d2';

const tool = (name: unknown, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' },
  ...extra,
});

function rawServer(tools: unknown[], env: Record<string, string> = {}) {
  return {
    command: 'node',
    args: ['-e', RAW_STDIO_SERVER],
    env: { TOOLS: JSON.stringify(tools), SECRET: CANARY, ...env },
  };
}

interface ServerBody {
  name: string;
  status: string;
  tools: string[];
  tool_count: number;
  error?: string;
  skipped_tools?: { tool: string; reason: string }[];
}

/** Polls until `check` holds; false if it never did within `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function server(gateway: TestGateway, name: string): Promise<ServerBody> {
  const servers = (await gateway.get('/mcp/servers')).body.servers as ServerBody[];
  return servers.find((s) => s.name === name)!;
}

/** Warnings the gateway logs while a test runs. */
function recordWarnings(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest
    .spyOn(PinoLoggerService.prototype, 'warn')
    .mockImplementation((message: unknown, context?: unknown) => {
      lines.push(`${String(context)}: ${String(message)}`);
    });
  return { lines, restore: () => spy.mockRestore() };
}

describe('a server listing some invalid tool definitions', () => {
  let gateway: TestGateway;
  let warnings: ReturnType<typeof recordWarnings>;

  beforeAll(async () => {
    warnings = recordWarnings();
    gateway = await startGateway({
      servers: {
        demo: demoStdioSpec(),
        mixed: rawServer([
          tool('good', { description: 'A valid tool.' }),
          { name: 'no_schema', description: 'inputSchema is missing' },
          tool(42),
          tool('string_schema', { inputSchema: 'not an object' }),
          tool('also_good'),
        ]),
      },
      env: { LOG_LEVEL: 'warn', SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    warnings.restore();
  });

  it('keeps the valid tools and leaves out the invalid ones, naming each', async () => {
    const mixed = await server(gateway, 'mixed');
    expect(mixed.status).toBe('connected');
    expect(mixed.tools).toEqual(['mixed__good', 'mixed__also_good']);
    expect(mixed.skipped_tools).toEqual([
      { tool: 'no_schema', reason: expect.stringContaining('inputSchema') },
      { tool: '#2', reason: expect.stringContaining('name') },
      { tool: 'string_schema', reason: expect.stringContaining('inputSchema') },
    ]);
    const call = await gateway.post('/mcp/execute', { tool_name: 'mixed__good' });
    expect(call.status).toBe(200);
    expect(call.body.result.content[0].text).toBe('ok good');
  });

  it('logs a warning for each tool left out, saying what is wrong with it', () => {
    const about = (what: string) => warnings.lines.filter((l) => l.includes(what));
    expect(about("tool 'no_schema'")).toEqual([expect.stringMatching(/inputSchema/)]);
    expect(about('tool #2')).toEqual([expect.stringMatching(/name/)]);
    expect(about("tool 'string_schema'")).toEqual([expect.stringMatching(/inputSchema/)]);
    expect(warnings.lines.join('\n')).not.toContain('"code"');
  });

  it('leaves the other servers alone', async () => {
    expect((await server(gateway, 'demo')).status).toBe('connected');
    const echo = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'fine' },
    });
    expect(echo.body.result.content[0].text).toBe('fine');
  });
});

describe('a server listing the same tool name twice', () => {
  let gateway: TestGateway;
  let warnings: ReturnType<typeof recordWarnings>;

  beforeAll(async () => {
    warnings = recordWarnings();
    gateway = await startGateway({
      servers: {
        dup: rawServer([
          tool('echo', { description: 'The first echo.' }),
          tool('other'),
          tool('echo', { description: 'A second, different echo.' }),
        ]),
      },
      // The rug-pull guard at its strictest: a changed definition is quarantined.
      env: { LOG_LEVEL: 'warn', TOOL_PINNING: 'enforce', SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    warnings.restore();
  });

  it('keeps the first definition, and does not take the second for a changed definition', async () => {
    const tools = (await gateway.get('/mcp/tools')).body.tools as {
      name: string;
      description?: string;
    }[];
    expect(tools.filter((t) => t.name === 'dup__echo')).toEqual([
      expect.objectContaining({ description: 'The first echo.' }),
    ]);
    expect((await gateway.get('/mcp/tools/quarantined')).body.count).toBe(0);
    const call = await gateway.post('/mcp/execute', { tool_name: 'dup__echo' });
    expect(call.status).toBe(200);
    expect(warnings.lines.join('\n')).not.toMatch(/changed since it was pinned/);
  });

  it('shows the duplicate as left out, and warns naming it', async () => {
    const dup = await server(gateway, 'dup');
    expect(dup.tools).toEqual(['dup__echo', 'dup__other']);
    expect(dup.tool_count).toBe(2);
    expect(dup.skipped_tools).toEqual([
      { tool: 'echo', reason: expect.stringContaining('listed more than once') },
    ]);
    expect(warnings.lines).toContainEqual(
      expect.stringMatching(/tool 'echo' left out.*listed more than once/),
    );
  });
});

describe('a server answering a call with error code -32000 or -32001', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: {
        errs: rawServer(
          ['fail_generic', 'fail_timeout_code', 'plain', 'hang', 'exit'].map((n) => tool(n)),
        ),
      },
      env: { SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it("reports -32000 as the server's error (502 UPSTREAM_ERROR), not a closed connection", async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'errs__fail_generic' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_ERROR');
    expect(res.body.message).toContain('database is locked');
    expect(res.body.message).toContain("server 'errs', tool 'fail_generic'");
    expect(res.body.message).not.toMatch(/closed/i);
  });

  it("reports -32001 as the server's error (502 UPSTREAM_ERROR), not a gateway timeout", async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'errs__fail_timeout_code' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_ERROR');
    expect(res.body.message).toContain('the backend took too long');
    expect(res.body.message).not.toMatch(/timed out after/);
  });

  it('leaves the server connected after those answers', async () => {
    expect((await server(gateway, 'errs')).status).toBe('connected');
    const res = await gateway.post('/mcp/execute', { tool_name: 'errs__plain' });
    expect(res.body.result.content[0].text).toBe('ok plain');
  });

  it('still reports a timeout the gateway saw as 504 UPSTREAM_TIMEOUT', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'errs__hang', timeout_ms: 300 });
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('UPSTREAM_TIMEOUT');
    expect(res.body.message).toContain('timed out after 300 ms');
  });

  it('still reports a server that dies mid-call as a closed connection', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'errs__exit' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(res.body.message).toMatch(/connection closed during the call/i);
    expect(res.body.message).toContain('exiting on purpose');
    expect(gateway.transcript.join('\n')).not.toContain(CANARY);
  });
});

describe('a stdio server writing one message over the stdio reader limit', () => {
  // MAX_TOOL_RESULT_BYTES=1 MiB puts the reader's limit at its floor, 16 MiB.
  const LIMIT = 16 * 1024 * 1024;
  let gateway: TestGateway;
  let warnings: ReturnType<typeof recordWarnings>;

  beforeEach(async () => {
    warnings = recordWarnings();
    gateway = await startGateway({
      servers: {
        demo: demoStdioSpec(),
        big: rawServer([tool('huge'), tool('plain')], { HUGE_BYTES: String(LIMIT + 1024 * 1024) }),
      },
      env: {
        LOG_LEVEL: 'warn',
        MAX_TOOL_RESULT_BYTES: String(1024 * 1024),
        SERVER_PING_INTERVAL_MS: '0',
      },
    });
  });

  afterEach(async () => {
    await gateway?.close();
    warnings.restore();
  });

  it('fails that call saying the server sent an oversized message, and the limit', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'big__huge' });
    expect(res.status).toBe(502);
    expect(res.body.message).toContain("server 'big', tool 'huge'");
    expect(res.body.message).toContain(`larger than the stdio limit of ${LIMIT} bytes`);
    expect(res.body.message).not.toMatch(/exited/);
    expect(gateway.transcript.join('\n')).not.toContain(CANARY);
    // The operator's side: the log says why the server is being restarted.
    expect(warnings.lines).toContainEqual(
      expect.stringMatching(
        /Server big \(global\): connection lost: .*larger than the stdio limit/,
      ),
    );
  });

  it('leaves the other servers serving, and the oversized one is restarted', async () => {
    await gateway.post('/mcp/execute', { tool_name: 'big__huge' });
    const echo = await gateway.post('/mcp/execute', {
      tool_name: 'demo__echo',
      args: { message: 'unaffected' },
    });
    expect(echo.body.result.content[0].text).toBe('unaffected');
    expect(
      await eventually(async () => (await server(gateway, 'big')).status === 'connected', 15_000),
    ).toBe(true);
    const plain = await gateway.post('/mcp/execute', { tool_name: 'big__plain' });
    expect(plain.body.result.content[0].text).toBe('ok plain');
  });
});

describe("a server's error data on the MCP door", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { res: rawServer([tool('plain')], { RESOURCES: '1' }) },
      env: { SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it("relays the server's code and data (the spec's -32002 with its uri), its secrets redacted", async () => {
    const mcp = new RawMcp(gateway.url);
    expect((await mcp.initialize()).status).toBe(200);
    const read = await mcp.request('resources/read', { uri: 'zzz://nothing' });
    expect(read.message?.error).toMatchObject({
      code: -32002,
      data: { uri: 'zzz://nothing', token: '[redacted]', code: 'UPSTREAM_ERROR' },
    });
    // The request is named as what it was, not as a tool.
    expect(read.message?.error?.message).toContain("server 'res', method 'resources/read'");
    expect(read.text).not.toContain(CANARY);
    await mcp.close();
  });
});

describe('a server repeating its secret encoded in an error', () => {
  // A base64-looking token: its `+/=` are escaped when percent-encoded.
  const SECRET = 'Sup3r+Secr3t/TokenValue=';
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { enc: rawServer([tool('fail_encoded')], { SECRET }) },
      env: { SERVER_PING_INTERVAL_MS: '0' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  /** Every encoding the server uses, checked absent whatever its letter case. */
  function expectNoSecret(text: string): void {
    const bytes = Buffer.from(SECRET);
    const leaks = [
      SECRET,
      encodeURIComponent(SECRET),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      bytes.toString('hex'),
    ];
    for (const leak of leaks) expect(text.toLowerCase()).not.toContain(leak.toLowerCase());
  }

  it('redacts the percent-encoded (any case), base64, base64url and hex forms on REST', async () => {
    const res = await gateway.post('/mcp/execute', { tool_name: 'enc__fail_encoded' });
    expect(res.status).toBe(502);
    expect(res.body.message).toContain(`rejected ${Array(7).fill('[redacted]').join(' ')}`);
    expectNoSecret(res.text);
  });

  it('redacts them in the error data relayed on the MCP door, and in the log', async () => {
    const mcp = new RawMcp(gateway.url);
    expect((await mcp.initialize()).status).toBe(200);
    const call = await mcp.request('tools/call', { name: 'enc__fail_encoded', arguments: {} });
    expect(call.text).toContain('[redacted]');
    expectNoSecret(call.text);
    await mcp.close();
    expectNoSecret(gateway.transcript.join('\n'));
  });
});

describe('a remote server answering a call with JSON that is not its JSON-RPC answer', () => {
  let gateway: TestGateway;
  let upstream: import('node:http').Server;

  beforeAll(async () => {
    const { createServer } = await import('node:http');
    // Speaks MCP over streamable HTTP in JSON, until tools/call: then `{"hello": ...}`.
    upstream = createServer((req, res) => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const message = JSON.parse(body) as { id?: number; method: string };
        if (message.id === undefined) return void res.writeHead(202).end();
        const results: Record<string, unknown> = {
          initialize: {
            protocolVersion: '2025-06-18',
            capabilities: { tools: {} },
            serverInfo: { name: 'odd', version: '1' },
          },
          'tools/list': { tools: [tool('t')] },
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        const result = results[message.method];
        res.end(
          JSON.stringify(
            result ? { jsonrpc: '2.0', id: message.id, result } : { hello: `token ${CANARY}` },
          ),
        );
      });
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const { port } = upstream.address() as import('node:net').AddressInfo;
    gateway = await startGateway({
      servers: {
        odd: {
          url: `http://127.0.0.1:${port}/mcp`,
          transport: 'streamable-http',
          headers: { Authorization: `Bearer ${CANARY}` },
        },
      },
      env: { TOOL_CALL_TIMEOUT_MS: '60000' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((ok) => upstream?.close(ok));
  });

  it('fails the call at once with 502 saying so, not after the 60 s timeout, its secret redacted', async () => {
    const call = await gateway.post('/mcp/execute', { tool_name: 'odd__t', args: {} });
    expect(call.status).toBe(502);
    expect(call.body.code).toBe('UPSTREAM_ERROR');
    expect(call.body.message).toMatch(
      /^Upstream error \(server 'odd', tool 't'\): the server's JSON answer holds no JSON-RPC answer to request \d+: \{"hello":"token \[redacted\]"\}$/,
    );
    expect(call.text).not.toContain(CANARY);
    expect((await server(gateway, 'odd')).status).toBe('connected');
  });
});
