import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ToolsService } from '../src/tools/tools.service.js';
import type { CatalogChange, ToolCatalog } from '../src/tools/tool-catalog.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { REPO_ROOT } from './helpers/paths.js';

const CHURNING = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/churning-server.js');

async function topHit(gateway: TestGateway, query: string): Promise<string | undefined> {
  const res = await gateway.post('/mcp/search', { query, limit: 1 });
  return (res.body.tools as { name: string }[])[0]?.name;
}

describe("a server's list_changed updates only the tools that changed", () => {
  let gateway: TestGateway;
  let catalog: ToolCatalog;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: { churn: { command: 'node', args: [CHURNING] } },
      env: { SEARCH_STRATEGY: 'lexical' },
    });
    catalog = await gateway.app.get(ToolsService).catalog();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('finds and calls the added tool, neither the removed one, and leaves the others alone', async () => {
    expect(catalog.size).toBe(203);
    // The index exists before the change, so the change has to update it.
    expect(await topHit(gateway, 'zebra ledger')).toBe('churn__retiring_ledger');
    const keeper = catalog.get('churn__lighthouse_keeper');
    expect(await topHit(gateway, 'lighthouse lamp')).toBe('churn__lighthouse_keeper');
    const changes: CatalogChange[] = [];
    const unsubscribe = catalog.subscribe((change) => changes.push(change));

    expect((await gateway.post('/mcp/execute', { tool_name: 'churn__churn' })).status).toBe(200);
    for (let i = 0; i < 100 && !catalog.get('churn__aurora_forecast'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 100 && catalog.get('churn__retiring_ledger'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    unsubscribe();

    expect(await topHit(gateway, 'aurora borealis forecast')).toBe('churn__aurora_forecast');
    const called = await gateway.post('/mcp/execute', {
      tool_name: 'churn__aurora_forecast',
      args: { place: 'Tromso' },
    });
    expect(called.status).toBe(200);
    expect(called.body.result.content[0].text).toBe('aurora over Tromso: likely');

    expect(await topHit(gateway, 'zebra ledger')).not.toBe('churn__retiring_ledger');
    const gone = await gateway.post('/mcp/execute', {
      tool_name: 'churn__retiring_ledger',
      args: { account: 'x' },
    });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('TOOL_NOT_FOUND');

    // Only the two tools that changed were announced (to the index, the embeddings, clients).
    expect(changes.flatMap((c) => c.added.map((t) => t.name))).toEqual(['churn__aurora_forecast']);
    expect(changes.flatMap((c) => c.removed)).toEqual(['churn__retiring_ledger']);
    // An unchanged tool keeps its entry, stays searchable and callable.
    expect(catalog.get('churn__lighthouse_keeper')).toBe(keeper);
    expect(await topHit(gateway, 'lighthouse lamp')).toBe('churn__lighthouse_keeper');
    const kept = await gateway.post('/mcp/execute', {
      tool_name: 'churn__lighthouse_keeper',
      args: { hours: 3 },
    });
    expect(kept.body.result.content[0].text).toBe('lamp lit for 3 hours');
    expect(catalog.size).toBe(203);
  });
});
