import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp, textOf } from './helpers/mcp-clients.js';
import { demoStdioSpec } from './helpers/paths.js';
import { waitFor } from './helpers/processes.js';
import { CallLimiter } from '../src/auth/call-limiter.js';
import {
  RawMcp,
  reportMatrix,
  startHeaderRecorder,
  type JsonRpcMessage,
  type RecorderServer,
} from './helpers/security.js';

const KEYS = {
  read: 'mcp-key-read-0123456789',
  callOnly: 'mcp-key-call-only-01234',
  call: 'mcp-key-call-read-01234',
  servers: 'mcp-key-servers-0123456',
  sessions: 'mcp-key-sessions-012345',
  admin: 'mcp-key-admin-012345678',
  ownerA: 'mcp-key-owner-a-0123456',
  ownerB: 'mcp-key-owner-b-0123456',
};
const API_KEYS = [
  `${KEYS.read}=tools:read`,
  `${KEYS.callOnly}=tools:call`,
  `${KEYS.call}=tools:call+tools:read`,
  `${KEYS.servers}=servers:admin`,
  `${KEYS.sessions}=sessions`,
  `${KEYS.admin}=admin`,
  `${KEYS.ownerA}=sessions+tools:read+tools:call`,
  `${KEYS.ownerB}=sessions+tools:read+tools:call`,
].join(',');
/** What the upstream server's own config sends it; the only credential it may ever see. */
const UPSTREAM_TOKEN = 'upstream-own-token-5a7c';

type Caller = 'none' | 'bad' | keyof typeof KEYS;
const bearer = (caller: Caller): Record<string, string> =>
  caller === 'none'
    ? {}
    : { Authorization: `Bearer ${caller === 'bad' ? 'not-a-real-key-123' : KEYS[caller]}` };

// ---- the scope matrix: caller × operation on the /mcp door ----

type Outcome = 'ok' | '401' | '403' | 'scope-missing';
const MATRIX_CALLERS: Caller[] = [
  'none',
  'bad',
  'read',
  'callOnly',
  'call',
  'servers',
  'sessions',
  'admin',
];
const opensDoor = (c: Caller) => ['read', 'callOnly', 'call', 'admin'].includes(c);
const canRead = (c: Caller) => ['read', 'call', 'admin'].includes(c);
const canCall = (c: Caller) => ['callOnly', 'call', 'admin'].includes(c);
const refusal = (c: Caller): Outcome => (c === 'none' || c === 'bad' ? '401' : '403');

interface Operation {
  name: string;
  run(mcp: RawMcp): Promise<{ status: number; message?: JsonRpcMessage }>;
  expected(caller: Caller): Outcome;
}

const OPERATIONS: Operation[] = [
  {
    name: 'initialize',
    run: async (mcp) => {
      const answer = await mcp.initialize();
      return { status: answer.status, message: answer.messages[0] };
    },
    expected: (c) => (opensDoor(c) ? 'ok' : refusal(c)),
  },
  {
    name: 'tools/list',
    run: (mcp) => mcp.request('tools/list'),
    expected: (c) => (!opensDoor(c) ? refusal(c) : canRead(c) ? 'ok' : 'scope-missing'),
  },
  {
    name: 'search_tools',
    run: (mcp) => mcp.callTool('search_tools', { query: 'echo a message' }),
    expected: (c) => (!opensDoor(c) ? refusal(c) : canRead(c) ? 'ok' : 'scope-missing'),
  },
  {
    name: 'tools/call demo__echo',
    run: (mcp) => mcp.callTool('demo__echo', { message: 'm' }),
    expected: (c) => (!opensDoor(c) ? refusal(c) : canCall(c) ? 'ok' : 'scope-missing'),
  },
  {
    name: 'call_tool demo__echo',
    run: (mcp) => mcp.callTool('call_tool', { name: 'demo__echo', arguments: { message: 'm' } }),
    expected: (c) => (!opensDoor(c) ? refusal(c) : canCall(c) ? 'ok' : 'scope-missing'),
  },
];

function outcomeOf(answer: { status: number; message?: JsonRpcMessage }): string {
  if (answer.status === 401 || answer.status === 403) return String(answer.status);
  if (answer.status !== 200) return `HTTP ${answer.status}`;
  const m = answer.message;
  if (!m) return 'no answer';
  if (m.error) {
    const code = (m.error.data as { code?: string } | undefined)?.code;
    return code === 'INSUFFICIENT_SCOPE' ? 'scope-missing' : `error ${m.error.code} ${code ?? ''}`;
  }
  const result = m.result as { isError?: boolean; content?: { text?: string }[] } | undefined;
  if (result?.isError) {
    const text = result.content?.[0]?.text ?? '';
    return text.startsWith('INSUFFICIENT_SCOPE:') ? 'scope-missing' : `isError ${text}`;
  }
  return 'ok';
}

describe('API keys and scopes on the MCP door (/mcp)', () => {
  let gateway: TestGateway;
  let recorder: RecorderServer;
  const transcript: string[] = [];

  beforeAll(async () => {
    recorder = await startHeaderRecorder();
    gateway = await startGateway({
      servers: {
        demo: demoStdioSpec(),
        rec: {
          url: recorder.url,
          headers: {
            Authorization: `Bearer ${UPSTREAM_TOKEN}`,
            'X-Upstream-Config': 'from-config',
          },
        },
      },
      env: {
        GATEWAY_API_KEYS: API_KEYS,
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_TOOL_PER_MINUTE: '0',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await recorder?.stop();
  });

  const raw = (headers: Record<string, string>) => new RawMcp(gateway.url, headers, transcript);

  const MATRIX_SIZE = MATRIX_CALLERS.length * OPERATIONS.length;
  it(`lets each caller do exactly what its scopes allow (${MATRIX_CALLERS.length} callers × ${OPERATIONS.length} operations = ${MATRIX_SIZE} cells)`, async () => {
    // Callers refused at the door are tried on a live MCP session opened by an admin: a
    // protocol session id is not a credential.
    const opened = raw(bearer('admin'));
    expect((await opened.initialize()).status).toBe(200);
    const cells: string[] = [];
    for (const caller of MATRIX_CALLERS) {
      const mcp = raw(bearer(caller));
      for (const op of OPERATIONS) {
        if (!opensDoor(caller))
          mcp.sessionId = op.name === 'initialize' ? undefined : opened.sessionId;
        const got = outcomeOf(await op.run(mcp));
        const expected = op.expected(caller);
        cells.push(
          `/mcp ${op.name} as ${caller}: ${got === expected ? 'ok' : `expected ${expected}, got ${got}`}`,
        );
      }
      if (!opensDoor(caller)) mcp.sessionId = undefined;
      await mcp.close();
    }
    await opened.close();
    reportMatrix('MCP door scope matrix (door × caller × operation)', cells);
    expect(cells.filter((c) => !c.endsWith(': ok'))).toEqual([]);
    expect(cells).toHaveLength(MATRIX_SIZE);
  });

  it('answers 401 with WWW-Authenticate to no key and to a bad key, and accepts X-API-Key', async () => {
    for (const headers of [{}, bearer('bad'), { 'X-API-Key': 'not-a-real-key-123' }]) {
      const answer = await raw(headers).initialize();
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    }
    const byHeader = raw({ 'X-API-Key': KEYS.read });
    expect((await byHeader.initialize()).status).toBe(200);
    await byHeader.close();
  });

  it('answers a key without a tool scope 403 in JSON-RPC, which an MCP client can read, naming the code', async () => {
    const answer = await raw(bearer('sessions')).initialize();
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text)).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, data: { code: 'INSUFFICIENT_SCOPE' } },
    });
  });

  it('keeps an MCP session to the key that opened it: its id in another key’s hands is unknown', async () => {
    const a = raw(bearer('call'));
    expect((await a.initialize()).status).toBe(200);
    // Key B with A's Mcp-Session-Id (seen in a log, say): as if it did not exist.
    const b = raw(bearer('admin'));
    b.sessionId = a.sessionId;
    const stolen = await b.post({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    expect(stolen.status).toBe(404);
    expect(stolen.messages[0]).toMatchObject({ error: { code: -32001 } });
    expect((await b.post({}, { 'content-type': 'application/json' })).status).toBe(404);
    // A's session is untouched.
    const own = await a.post({ jsonrpc: '2.0', id: 8, method: 'tools/list' });
    expect(own.status).toBe(200);
    await a.close();
  });

  it('a tools:read key lists and searches with an SDK client; its tools/call is an isError naming the missing scope', async () => {
    let client: Client | undefined;
    try {
      ({ client } = await connectStreamableHttp(gateway.url, bearer('read')));
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['demo__echo', 'search_tools', 'call_tool']),
      );
      const search = await client.callTool({
        name: 'search_tools',
        arguments: { query: 'echo a message back' },
      });
      expect(search.isError).toBeFalsy();
      const call = await client.callTool({ name: 'demo__echo', arguments: { message: 'x' } });
      expect(call.isError).toBe(true);
      expect(textOf(call)).toMatch(/^INSUFFICIENT_SCOPE: .*tools:call/);
      const viaMeta = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'demo__echo', arguments: { message: 'x' } },
      });
      expect(viaMeta.isError).toBe(true);
      expect(textOf(viaMeta)).toMatch(/^INSUFFICIENT_SCOPE: .*tools:call/);
    } finally {
      await client?.close();
    }
    let caller: Client | undefined;
    try {
      ({ client: caller } = await connectStreamableHttp(gateway.url, bearer('call')));
      const call = await caller.callTool({ name: 'demo__echo', arguments: { message: 'called' } });
      expect(call.isError).toBeFalsy();
      expect(textOf(call)).toBe('called');
    } finally {
      await caller?.close();
    }
  });

  describe('one key cannot use another key’s gateway session', () => {
    type Owner = 'ownerA' | 'ownerB' | 'admin';
    const OWNERS: Owner[] = ['ownerA', 'ownerB', 'admin'];
    let sessionId: string;
    /** An MCP session opened by key A inside its own gateway session. */
    let opened: RawMcp;

    beforeAll(async () => {
      const created = await gateway.post('/sessions/create', {}, bearer('ownerA'));
      expect(created.status).toBe(201);
      sessionId = created.body.session_id as string;
      opened = raw({ ...bearer('ownerA'), 'X-Session-ID': sessionId });
      expect((await opened.initialize()).status).toBe(200);
    });

    afterAll(async () => {
      await opened?.close();
    });

    const DOOR_OPS: {
      name: string;
      run(caller: Owner): Promise<string>;
    }[] = [
      {
        name: 'POST /mcp initialize with X-Session-ID',
        run: async (caller) => {
          const mcp = raw({ ...bearer(caller), 'X-Session-ID': sessionId });
          const answer = await mcp.initialize();
          await mcp.close();
          if (answer.status === 200) return 'ok';
          const m = answer.messages[0];
          return `${answer.status} ${(m?.error?.data as { code?: string } | undefined)?.code}`;
        },
      },
      {
        name: "tools/list on A's MCP session",
        run: async (caller) => {
          const mcp = raw({ ...bearer(caller), 'X-Session-ID': sessionId });
          mcp.sessionId = opened.sessionId;
          return outcomeOrCode(await mcp.request('tools/list'));
        },
      },
      {
        name: "tools/call on A's MCP session",
        run: async (caller) => {
          const mcp = raw({ ...bearer(caller), 'X-Session-ID': sessionId });
          mcp.sessionId = opened.sessionId;
          return outcomeOrCode(await mcp.callTool('demo__echo', { message: 'm' }));
        },
      },
      {
        name: 'GET /sse with X-Session-ID',
        run: async (caller) => {
          const abort = new AbortController();
          const res = await fetch(`${gateway.url}/sse`, {
            headers: { ...bearer(caller), 'X-Session-ID': sessionId },
            signal: abort.signal,
          });
          const status = res.status;
          let code = '';
          if (status !== 200)
            code =
              ((await res.json()) as { error?: { data?: { code?: string } } }).error?.data?.code ??
              '';
          abort.abort();
          return status === 200 ? 'ok' : `${status} ${code}`;
        },
      },
    ];

    const CELLS = OWNERS.length * DOOR_OPS.length;
    it(`refuses key B with SESSION_NOT_FOUND, and any other key on A's MCP session; key A passes (${DOOR_OPS.length} operations × ${OWNERS.length} callers = ${CELLS} cells)`, async () => {
      const cells: string[] = [];
      for (const op of DOOR_OPS) {
        for (const caller of OWNERS) {
          const got = await op.run(caller);
          // A's MCP session (its Mcp-Session-Id) is A's key's alone, admin included: to any
          // other key it does not exist. Admin opens its own on A's gateway session.
          const expected = op.name.includes("A's MCP session")
            ? caller === 'ownerA'
              ? 'ok'
              : 'HTTP 404'
            : caller === 'ownerB'
              ? '404 SESSION_NOT_FOUND'
              : 'ok';
          cells.push(
            `${op.name} as ${caller}: ${got === expected ? 'ok' : `expected ${expected}, got ${got}`}`,
          );
        }
      }
      reportMatrix('MCP door session ownership matrix (door × caller × operation)', cells);
      expect(cells.filter((c) => !c.endsWith(': ok'))).toEqual([]);
      expect(cells).toHaveLength(CELLS);
    });

    it('answers key B’s initialize with HTTP 404 and a JSON-RPC error naming SESSION_NOT_FOUND', async () => {
      const answer = await raw({ ...bearer('ownerB'), 'X-Session-ID': sessionId }).initialize();
      expect(answer.status).toBe(404);
      expect(answer.messages[0]).toMatchObject({
        jsonrpc: '2.0',
        error: { data: { code: 'SESSION_NOT_FOUND' } },
      });
      // Refused means nothing of the session shows: not even that it exists for someone else.
      expect(answer.text).not.toContain('owner');
    });

    it('key B naming the session does not disturb key A: A’s call in flight completes', async () => {
      const limiter = gateway.app.get(CallLimiter);
      const before = limiter.inFlight;
      const slow = opened.callTool('demo__echo', { message: 'slow', delay_ms: 3000 });
      expect(await waitFor(() => limiter.inFlight > before, 10_000)).toBe(true);
      // Refused on every door while A's call runs in that session's upstream server.
      const b = { ...bearer('ownerB'), 'X-Session-ID': sessionId };
      expect((await raw(b).initialize()).status).toBe(404);
      expect((await gateway.get(`/sessions/${sessionId}`, bearer('ownerB'))).status).toBe(404);
      const answer = await slow;
      expect(outcomeOf(answer)).toBe('ok');
      expect(answer.message?.result?.content).toEqual([{ type: 'text', text: 'slow' }]);
    });
  });

  describe('the client’s credential never reaches an upstream server', () => {
    it('the upstream sees only its own configured headers, through /mcp and REST', async () => {
      // /mcp, Bearer and X-API-Key.
      for (const headers of [bearer('admin'), { 'X-API-Key': KEYS.call }]) {
        const mcp = raw(headers);
        expect((await mcp.initialize()).status).toBe(200);
        const answer = await mcp.callTool('rec__recorded_headers');
        expect(outcomeOf(answer)).toBe('ok');
        await mcp.close();
      }
      // REST, both routes, both headers.
      const viaExecute = await gateway.post(
        '/mcp/execute',
        { tool_name: 'rec__recorded_headers', args: {} },
        bearer('call'),
      );
      expect(viaExecute.status).toBe(200);
      const viaTool = await gateway.post(
        '/tool',
        { name: 'recorded_headers', arguments: {} },
        { 'X-API-Key': KEYS.admin },
      );
      expect(viaTool.status).toBe(200);

      const records = JSON.parse(
        (viaTool.body as { result: { content: { text: string }[] } }).result.content[0].text,
      ) as { method: string; headers: Record<string, string> }[];
      // The connect handshake, four tools/call requests, and whatever else the client sent.
      expect(records.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(5);
      for (const record of records) {
        expect(record.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
        expect(record.headers['x-upstream-config']).toBe('from-config');
        expect(record.headers['x-api-key']).toBeUndefined();
        const everything = JSON.stringify(record.headers);
        for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
      }
    });
  });

  it('never echoes an API key', () => {
    const all = [...transcript, ...gateway.transcript];
    expect(all.length).toBeGreaterThan(0);
    for (const text of all) for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
  });
});

/** An outcome where errors are named by their gateway code. */
function outcomeOrCode(answer: { status: number; message?: JsonRpcMessage }): string {
  const code = (answer.message?.error?.data as { code?: string } | undefined)?.code;
  if (answer.status === 200 && answer.message?.error) return `error ${code}`;
  return outcomeOf(answer);
}
