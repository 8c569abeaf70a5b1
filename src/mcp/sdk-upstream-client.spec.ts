import { afterEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { InFlightMap } from '../common/in-flight-map.js';
import { SDK_IN_FLIGHT_MAPS, SdkUpstreamClient } from './sdk-upstream-client.js';

/** A server of one tool a page, each `delayMs` late, without end. */
async function slowPager(
  delayMs: number,
): Promise<{ upstream: SdkUpstreamClient; end: () => Promise<void> }> {
  const server = new Server({ name: 'pager', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const page = Number(request.params?.cursor ?? 0);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return {
      tools: [{ name: `p${page}`, inputSchema: { type: 'object' as const } }],
      nextCursor: String(page + 1),
    };
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  const upstream = new SdkUpstreamClient('pager', 'stdio', client, undefined, () => 'closed');
  return {
    upstream,
    end: async () => {
      await upstream.close();
      await server.close();
    },
  };
}

describe('SdkUpstreamClient.listTools', () => {
  let end: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await end?.();
  });

  it('gives the whole listing its timeout, not each page', async () => {
    const pager = await slowPager(50);
    end = pager.end;
    const started = Date.now();
    // At 50 ms a page, the cap of 100 pages would take 5 s, each page well within 400 ms.
    await expect(pager.upstream.listTools(1000, 400)).rejects.toThrow(
      /tools\/list failed: timed out, the whole listing gets 400 ms/,
    );
    // Far below the 5 s of 100 pages; room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('takes a listing that completes within it', async () => {
    const pager = await slowPager(10);
    end = pager.end;
    // Stops after more than `atMost` tools: three pages.
    const listing = await pager.upstream.listTools(2, 2000);
    expect(listing.tools.map((t) => t.name)).toEqual(['p0', 'p1', 'p2']);
  });
});

describe('SdkUpstreamClient and the SDK', () => {
  let end: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await end?.();
  });

  // If this fails, the SDK has renamed its maps of requests in flight: give
  // releaseFinishedRequests the new names, or finished calls are promoted again under load.
  it('keeps the requests in flight in InFlightMaps, and calls still get their answers', async () => {
    const pager = await slowPager(0);
    end = pager.end;
    const sdk = (pager.upstream as unknown as { client: Record<string, unknown> }).client;
    for (const field of SDK_IN_FLIGHT_MAPS) expect(sdk[field]).toBeInstanceOf(InFlightMap);
    const listing = await pager.upstream.listTools(1, 2000);
    expect(listing.tools.map((t) => t.name)).toEqual(['p0', 'p1']);
    for (const field of SDK_IN_FLIGHT_MAPS)
      expect((sdk[field] as Map<unknown, unknown>).size).toBe(0);
  });
});
