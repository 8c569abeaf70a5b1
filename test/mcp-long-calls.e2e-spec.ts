import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp, listsServer, textOf } from './helpers/mcp-clients.js';

describe('MCP door: progress keeps a tool call going', () => {
  let gateway: TestGateway;
  let client: Client;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { s: listsServer('--label', 's') },
      env: { TOOL_CALL_TIMEOUT_MS: '1500', TOOL_CALL_TIMEOUT_MAX_MS: '5000' },
    });
    ({ client } = await connectStreamableHttp(gateway.url));
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });

  it('runs past TOOL_CALL_TIMEOUT_MS while the server reports progress', async () => {
    let seen = 0;
    const relayed = await client.callTool(
      { name: 's__slow', arguments: { seconds: 3, every: 200, progress: true } },
      undefined,
      { onprogress: () => seen++ },
    );
    expect(textOf(relayed)).toMatch(/^s done after \d+ progress$/);
    expect(seen).toBeGreaterThan(0);
    // A client that did not ask for progress: the gateway asks the server for it all the same.
    const unasked = await client.callTool({
      name: 's__slow',
      arguments: { seconds: 3, every: 200, progress: true },
    });
    expect(unasked.isError).toBeFalsy();
    expect(textOf(unasked)).toMatch(/^s done/);
  });

  it('cuts off a call without progress at TOOL_CALL_TIMEOUT_MS', async () => {
    const result = await client.callTool({ name: 's__slow', arguments: { seconds: 4 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^UPSTREAM_TIMEOUT: /);
  });

  it('cuts off a call at TOOL_CALL_TIMEOUT_MAX_MS however much progress it reports', async () => {
    const started = Date.now();
    const result = await client.callTool({
      name: 's__slow',
      arguments: { seconds: 10, every: 200, progress: true },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^UPSTREAM_TIMEOUT: Tool call timed out after 5\d{3} ms/);
    expect(Date.now() - started).toBeLessThan(9000);
  });
});
