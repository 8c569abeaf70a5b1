import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import {
  queueEnv,
  QueueTestClient,
  uniqueStreams,
  type QueueStreams,
} from './helpers/queue-redis.js';
import { testRedisUrl } from './helpers/redis.js';
import { reportMatrix } from './helpers/security.js';

const KEYS = {
  owner: 'queue-key-owner-0123456',
  other: 'queue-key-other-0123456',
  admin: 'queue-key-admin-0123456',
};
const API_KEYS = [
  `${KEYS.owner}=sessions+tools:read+tools:call`,
  `${KEYS.other}=sessions+tools:read+tools:call`,
  `${KEYS.admin}=admin`,
].join(',');
const as = (key: keyof typeof KEYS) => ({ Authorization: `Bearer ${KEYS[key]}` });

/** Each op of the queue door, naming a gateway session. */
const OPS = (sessionId: string, tag: string) => [
  {
    id: `${tag}-execute`,
    op: 'execute',
    tool_name: 'demo__echo',
    args: { message: `in ${sessionId}` },
    session_id: sessionId,
  },
  { id: `${tag}-list_tools`, op: 'list_tools', session_id: sessionId },
  { id: `${tag}-list_servers`, op: 'list_servers', session_id: sessionId },
  { id: `${tag}-search`, op: 'search', query: 'echo a message', session_id: sessionId },
];

describe('the queue door with API keys configured', () => {
  let url: string;
  /** Gateways A and A' use prefix P1; gateway B uses P2; all consume the same stream names. */
  let streamsA: QueueStreams;
  let streamsB: QueueStreams;
  let client: QueueTestClient;
  let clientB: QueueTestClient;
  let gateway: TestGateway | undefined;
  let sessionId: string;
  let otherSessionId: string;
  const cells: string[] = [];

  const start = (streams: QueueStreams) =>
    startGateway({
      servers: { demo: demoStdioSpec() },
      env: queueEnv(url, streams, { GATEWAY_API_KEYS: API_KEYS }),
    });

  const check = async (gatewayName: string, tag: string, expected: 'ok' | 'SESSION_NOT_FOUND') => {
    const requests = OPS(sessionId, tag);
    for (const request of requests) await client.send(request);
    const answers = await client.waitForAnswers(requests.map((r) => r.id));
    for (const request of requests) {
      const payload = answers.get(request.id)![0].payload;
      const got = payload.ok ? 'ok' : payload.error.code;
      cells.push(
        `queue ${request.op} naming the session, to gateway ${gatewayName}: ${got === expected ? 'ok' : `expected ${expected}, got ${got}`}`,
      );
    }
    return answers;
  };

  beforeAll(async () => {
    url = await testRedisUrl();
    streamsA = uniqueStreams('auth-queue');
    streamsB = { ...streamsA, prefix: streamsA.prefix.replace(/:keys:$/, ':keys-b:') };
    expect(streamsB.prefix).not.toBe(streamsA.prefix);
    client = new QueueTestClient(url, streamsA);
    clientB = new QueueTestClient(url, streamsB);
  });

  afterAll(async () => {
    await gateway?.close();
    await client?.cleanUp();
    await clientB?.cleanUp();
  });

  it('gateway A (prefix P1): a queue request needs no key and may use any session of its namespace', async () => {
    gateway = await start(streamsA);
    // Created over REST by two different keys; the queue door is trusted for the namespace.
    const created = await gateway.post('/sessions/create', {}, as('owner'));
    expect(created.status).toBe(201);
    sessionId = created.body.session_id as string;
    const other = await gateway.post('/sessions/create', {}, as('other'));
    otherSessionId = other.body.session_id as string;
    // REST without a key is refused, as a reminder of what the queue does not need.
    expect((await gateway.get('/mcp/tools')).status).toBe(401);

    await client.send({ id: 'a-global', op: 'list_tools' });
    expect((await client.answerOf('a-global')).ok).toBe(true);

    const answers = await check('A', 'a', 'ok');
    expect(answers.get('a-execute')![0].payload.result.result.content).toEqual([
      { type: 'text', text: `in ${sessionId}` },
    ]);

    await client.send({ id: 'a-other', op: 'list_tools', session_id: otherSessionId });
    expect((await client.answerOf('a-other')).ok).toBe(true);

    // A request cannot bring a credential of its own: there is no such field.
    await client.send({ id: 'a-key', op: 'list_tools', api_key: KEYS.admin });
    expect((await client.answerOf('a-key')).error.code).toBe('INVALID_REQUEST');

    await gateway.close();
    gateway = undefined;
    // The session outlives gateway A: its record is still in Redis, under P1.
    const stored = await client.redis.keys(`${streamsA.prefix}*${sessionId}*`);
    expect(stored.length).toBeGreaterThan(0);
  });

  it('gateway B (prefix P2, same streams): the P1 session does not exist, on the queue or REST', async () => {
    gateway = await start(streamsB);
    const answers = await check('B', 'b', 'SESSION_NOT_FOUND');
    expect(answers.get('b-execute')![0].payload.error.message).toContain(sessionId);
    const rest = await gateway.get(`/sessions/${sessionId}`, as('admin'));
    expect(rest.status).toBe(404);
    expect(rest.body.code).toBe('SESSION_NOT_FOUND');
    await gateway.close();
    gateway = undefined;
  });

  it("gateway A' (prefix P1 again): the same request finds the session, so only the namespace differed", async () => {
    gateway = await start(streamsA);
    await check("A'", 'a2', 'ok');
  });

  it('counts the matrix (door × gateway × operation)', () => {
    const size = 3 * OPS('x', 'x').length;
    reportMatrix('queue door namespace matrix (door × gateway × operation)', cells);
    expect(cells.filter((c) => !c.endsWith(': ok'))).toEqual([]);
    expect(cells).toHaveLength(size);
  });
});
