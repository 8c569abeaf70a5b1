import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp, listsServer } from './helpers/mcp-clients.js';

/** Well under the gateway's TOOL_CALL_TIMEOUT_MS below: waiting on the hung server fails. */
const WELL_BEFORE_THE_CALL_TIMEOUT = { timeout: 10_000 };

describe('MCP door: a server whose lists never answer', () => {
  let gateway: TestGateway;
  let client: Client;

  beforeAll(async () => {
    gateway = await startGateway({
      // In the servers file's order: `a` comes first, so it serves what `a` and `b` both list.
      servers: {
        a: listsServer('--label', 'a'),
        hung: listsServer('--label', 'hung', '--hang-lists'),
        b: listsServer('--label', 'b'),
      },
      env: { TOOL_CALL_TIMEOUT_MS: '30000', MCP_LIST_TIMEOUT_MS: '1000' },
    });
    ({ client } = await connectStreamableHttp(gateway.url));
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });

  it("reads another server's resource and gets its prompt without waiting for the hung one", async () => {
    for (let i = 0; i < 3; i++) {
      const read = await client.readResource({ uri: 'fixture://b' }, WELL_BEFORE_THE_CALL_TIMEOUT);
      expect(read.contents[0]).toMatchObject({ text: 'b serves fixture://b' });
      const prompt = await client.getPrompt({ name: 'b__greet' }, WELL_BEFORE_THE_CALL_TIMEOUT);
      expect(JSON.stringify(prompt.messages)).toContain('b greets');
    }
    await client.subscribeResource({ uri: 'fixture://a' }, WELL_BEFORE_THE_CALL_TIMEOUT);
    await client.unsubscribeResource({ uri: 'fixture://a' }, WELL_BEFORE_THE_CALL_TIMEOUT);
  });

  it('answers resources/list, templates and prompts/list with the servers that answered', async () => {
    const { resources } = await client.listResources(undefined, WELL_BEFORE_THE_CALL_TIMEOUT);
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining(['fixture://a', 'fixture://b', 'fixture://shared']),
    );
    expect(resources.map((r) => r.name)).not.toContain('hung__hung');
    const { resourceTemplates } = await client.listResourceTemplates(
      undefined,
      WELL_BEFORE_THE_CALL_TIMEOUT,
    );
    expect(resourceTemplates.map((t) => t.name).sort()).toEqual(['a__item', 'b__item']);
    const { prompts } = await client.listPrompts(undefined, WELL_BEFORE_THE_CALL_TIMEOUT);
    expect(prompts.map((p) => p.name).sort()).toEqual(['a__greet', 'b__greet']);
  });

  it('sends a URI or template that two servers list to the first of them in the servers file', async () => {
    const shared = await client.readResource(
      { uri: 'fixture://shared' },
      WELL_BEFORE_THE_CALL_TIMEOUT,
    );
    expect(shared.contents[0]).toMatchObject({ text: 'a serves fixture://shared' });
    const item = await client.readResource(
      { uri: 'fixture://items/7' },
      WELL_BEFORE_THE_CALL_TIMEOUT,
    );
    expect(item.contents[0]).toMatchObject({ text: 'a serves fixture://items/7' });
  });

  it('still answers an unknown URI with resource-not-found, within the list budget', async () => {
    await expect(
      client.readResource({ uri: 'fixture://nowhere' }, WELL_BEFORE_THE_CALL_TIMEOUT),
    ).rejects.toThrow(/-32002.*Resource not found/);
  });
});
