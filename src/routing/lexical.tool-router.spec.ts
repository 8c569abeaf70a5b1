import { describe, expect, it } from '@jest/globals';
import { LexicalToolRouter } from './lexical.tool-router.js';
import { DEMO_TOOLS, FakeCatalog, tool } from './testing/fake-catalog.js';

describe('LexicalToolRouter', () => {
  it('ranks the catalog of a scope and reports the lexical strategy', async () => {
    const demo = new FakeCatalog({ demo: DEMO_TOOLS });
    const result = await new LexicalToolRouter().route(demo.catalog, {
      query: 'what time is it in Tokyo',
      limit: 3,
    });
    expect(result.strategy).toBe('lexical');
    expect(result.hits[0].name).toBe('demo__time');
    expect(result.hits[0].reasoning).toMatch(/'time' in name/);
  });

  it('keeps only tools of the servers asked for', () => {
    const both = new FakeCatalog({ demo: DEMO_TOOLS, mirror: DEMO_TOOLS });
    const router = new LexicalToolRouter();
    const all = router.rank(both.catalog, { query: 'time zone', limit: 10 });
    expect(new Set(all.map((h) => h.name.split('__')[0]))).toEqual(new Set(['demo', 'mirror']));
    const filtered = router.rank(both.catalog, {
      query: 'time zone',
      limit: 10,
      servers: new Set(['mirror']),
    });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((h) => h.name.startsWith('mirror__'))).toBe(true);
    expect(router.rank(both.catalog, { query: 'time', limit: 5, servers: new Set() })).toEqual([]);
  });

  it('builds one index per catalog and follows catalog changes without a rebuild', () => {
    const demo = new FakeCatalog({ demo: DEMO_TOOLS });
    const router = new LexicalToolRouter();
    const index = router.indexOf(demo.catalog);
    expect(index.size).toBe(3);
    demo.setServer('weather', [tool('get_forecast', 'Weather forecast for a city', 'city')]);
    expect(router.indexOf(demo.catalog)).toBe(index);
    expect(index.size).toBe(4);
    expect(router.rank(demo.catalog, { query: 'forecast', limit: 1 })[0].name).toBe(
      'weather__get_forecast',
    );
    demo.setServer('weather', []);
    expect(index.size).toBe(3);
    expect(router.rank(demo.catalog, { query: 'forecast', limit: 1 })).toEqual([]);
  });

  it('keeps catalogs of different scopes apart', () => {
    const router = new LexicalToolRouter();
    const a = new FakeCatalog({ a: [tool('alpha_report', 'Builds the alpha report')] });
    const b = new FakeCatalog({ b: [tool('beta_report', 'Builds the beta report')] });
    expect(router.rank(a.catalog, { query: 'report', limit: 5 }).map((h) => h.name)).toEqual([
      'a__alpha_report',
    ]);
    expect(router.rank(b.catalog, { query: 'report', limit: 5 }).map((h) => h.name)).toEqual([
      'b__beta_report',
    ]);
  });

  it('indexes a tool title with its description', () => {
    const demo = new FakeCatalog({
      s: [{ ...tool('q1', 'Runs it'), title: 'Invoice exporter' }, tool('q2', 'Runs that')],
    });
    const hits = new LexicalToolRouter().rank(demo.catalog, { query: 'export invoices', limit: 2 });
    expect(hits[0].name).toBe('s__q1');
  });
});
