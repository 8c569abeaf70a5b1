import { describe, expect, it } from '@jest/globals';
import { LexicalIndex, type IndexedTool } from './lexical-index.js';

function tool(
  server: string,
  name: string,
  description: string,
  properties: Record<string, unknown> = {},
): IndexedTool {
  return {
    name: `${server}__${name}`,
    server,
    tool: name,
    description,
    inputSchema: { type: 'object', properties },
  };
}

function names(index: LexicalIndex, query: string, limit = 10): string[] {
  return index.search(query, { limit }).map((hit) => hit.name);
}

function catalog(): LexicalIndex {
  const index = new LexicalIndex();
  index.upsert(
    tool('weather', 'get_forecast', 'Daily weather forecast for a city.', {
      city: { type: 'string', description: 'City name' },
    }),
  );
  index.upsert(
    tool('files', 'read_file', 'Read a file from disk and return its contents.', {
      path: { type: 'string' },
    }),
  );
  index.upsert(
    tool('files', 'write_file', 'Write text to a file on disk.', {
      path: { type: 'string' },
      content: { type: 'string' },
    }),
  );
  index.upsert(
    tool('mail', 'send_email', 'Send an email message to a recipient.', { to: { type: 'string' } }),
  );
  index.upsert(
    tool('calendar', 'createEvent', 'Add an entry to the calendar.', { title: { type: 'string' } }),
  );
  index.upsert(tool('docs', 'pdf-converter', 'Turn office documents into portable files.'));
  return index;
}

describe('LexicalIndex', () => {
  it('scores a camelCase name like the same words in snake_case', () => {
    // The joined form ("maptool") repeats the name's words; counted as a third word
    // it made the camelCase name look longer and lose to its snake_case twin. (Server
    // documents still hold the joined form's terms, so the server context is left out here.)
    const index = new LexicalIndex({ serverContextWeight: 0 });
    index.upsert(tool('a', 'MapTool', 'Draws a chart.'));
    index.upsert(tool('b', 'map_tool', 'Draws a chart.'));
    index.upsert(tool('c', 'weather_report', 'Daily forecast.'));
    const [camel, snake] = ['a__MapTool', 'b__map_tool'].map(
      (name) => index.search('map', { limit: 3 }).find((hit) => hit.name === name)?.score,
    );
    expect(camel).toBeDefined();
    expect(camel).toBeCloseTo(snake!, 9);
  });

  it('ranks the tool whose name matches above one that only mentions the word in prose', () => {
    const index = new LexicalIndex();
    index.upsert(tool('a', 'translate_text', 'Converts a passage between languages.'));
    index.upsert(
      tool('b', 'summarize', 'Summarize text; output can then be used to translate it later.'),
    );
    expect(names(index, 'translate')).toEqual(['a__translate_text', 'b__summarize']);
  });

  it('splits snake_case, camelCase and kebab-case identifiers', () => {
    const index = catalog();
    expect(names(index, 'create event')[0]).toBe('calendar__createEvent');
    expect(names(index, 'converter pdf')[0]).toBe('docs__pdf-converter');
    expect(names(index, 'send email')[0]).toBe('mail__send_email');
  });

  it('matches word forms through stemming', () => {
    const index = catalog();
    expect(names(index, 'forecasts')[0]).toBe('weather__get_forecast');
    expect(names(index, 'emailing')[0]).toBe('mail__send_email');
  });

  it('scores exact word forms above stem-only matches', () => {
    const index = new LexicalIndex();
    index.upsert(tool('a', 'list_files', 'List files.'));
    index.upsert(tool('b', 'file_listing', 'Listing of a file.'));
    expect(names(index, 'list files')[0]).toBe('a__list_files');
    expect(names(index, 'file listing')[0]).toBe('b__file_listing');
  });

  it('indexes parameter names and descriptions, nested ones included', () => {
    const index = new LexicalIndex();
    index.upsert(
      tool('a', 'run', 'Run it.', {
        options: { type: 'object', properties: { latitude: { type: 'number' } } },
      }),
    );
    index.upsert(
      tool('b', 'go', 'Go.', {
        target: { type: 'string', description: 'Postal code of the address' },
      }),
    );
    expect(names(index, 'latitude')).toEqual(['a__run']);
    expect(names(index, 'postal code')).toEqual(['b__go']);
  });

  it('joins two-part camelCase words so brand names match either spelling', () => {
    const index = new LexicalIndex();
    index.upsert(tool('code', 'search_repos', 'Search GitHub repositories.'));
    index.upsert(tool('web', 'search', 'Search the web.'));
    expect(names(index, 'github')[0]).toBe('code__search_repos');
  });

  it('finds Chinese descriptions through word segmentation and character bigrams', () => {
    const index = new LexicalIndex();
    index.upsert(tool('bing', 'bing_search', '使用必应搜索指定的关键词，并返回搜索结果列表'));
    index.upsert(tool('map', 'route', '规划两个地点之间的驾车路线'));
    expect(names(index, '搜索关键词')).toEqual(['bing__bing_search']);
    expect(names(index, '驾车路线')[0]).toBe('map__route');
    // A word the segmenter keeps whole in the document but splits differently in the query.
    expect(names(index, '结果')[0]).toBe('bing__bing_search');
  });

  it('breaks score ties by name, whatever the insertion order', () => {
    const a = new LexicalIndex();
    const b = new LexicalIndex();
    // Server names of one length, so no length normalisation separates the tools.
    const tools = ['zulu', 'alfa', 'echo'].map((s) => tool(s, 'ping', 'Ping a host.'));
    tools.forEach((t) => a.upsert(t));
    [...tools].reverse().forEach((t) => b.upsert(t));
    const hits = a.search('ping', { limit: 3 });
    expect(hits.map((h) => h.name)).toEqual(['alfa__ping', 'echo__ping', 'zulu__ping']);
    expect(hits[0].score).toBe(hits[2].score);
    expect(b.search('ping', { limit: 3 })).toEqual(hits);
  });

  it('returns nothing for empty or stop-word-only queries', () => {
    const index = catalog();
    expect(index.search('', { limit: 5 })).toEqual([]);
    expect(index.search('   ', { limit: 5 })).toEqual([]);
    expect(index.search('the of and to', { limit: 5 })).toEqual([]);
    expect(index.search('!!! ???', { limit: 5 })).toEqual([]);
    expect(index.search('forecast', { limit: 0 })).toEqual([]);
  });

  it('handles a 100 KB query quickly and with finite scores', () => {
    const index = catalog();
    const huge = 'weather forecast city file '.repeat(4_000) + 'x'.repeat(1_000);
    expect(huge.length).toBeGreaterThan(100_000);
    const start = performance.now();
    const hits = index.search(huge, { limit: 3 });
    expect(performance.now() - start).toBeLessThan(250);
    expect(hits[0].name).toBe('weather__get_forecast');
    for (const hit of hits) expect(Number.isFinite(hit.score)).toBe(true);
  });

  it('explains every hit', () => {
    const index = catalog();
    index.upsert(tool('geo', 'lookup', 'Find a place.', { latitude: { type: 'number' } }));
    const hits = index.search('weather forecasts for a city', { limit: 3 });
    expect(hits[0].name).toBe('weather__get_forecast');
    expect(hits[0].reasoning).toMatch(
      /^matched 'forecasts' in name; 'weather' in server; .*'city'/,
    );
    expect(hits[0].reasoning).toMatch(/'weather forecasts'.* in phrase$/);
    for (const hit of hits) expect(hit.reasoning.length).toBeGreaterThan(0);
    expect(index.search('latitude', { limit: 1 })[0].reasoning).toBe(
      "matched 'latitude' in parameters",
    );
  });

  it('says when only the first letters of a query word matched', () => {
    const index = new LexicalIndex();
    index.upsert(tool('demo', 'calculator', 'Evaluates an arithmetic expression.'));
    index.upsert(tool('weather', 'get_weather', 'Weather for a city.', { city: {} }));
    index.upsert(tool('demo', 'time', 'Current time.', { timezone: { type: 'string' } }));
    expect(index.search('calculus', { limit: 1 })[0].reasoning).toBe(
      "matched 'calculus' by its first letters ('calculator') in name",
    );
    expect(index.search('weatherman', { limit: 1 })[0].reasoning).toBe(
      "matched 'weatherman' by its first letters ('weather') in name",
    );
    // The whole word matched a parameter by stem; its prefix alone matched the name.
    expect(index.search('timezones', { limit: 1 })[0].reasoning).toBe(
      "matched 'timezones' by its first letters ('time') in name; 'timezones' in parameters",
    );
  });

  it("names the tool's word when a short query word matched only as its first letters", () => {
    const index = new LexicalIndex();
    index.upsert(tool('demo', 'echo', 'Echoes a message back, for testing timeouts.'));
    expect(index.search('what time is it', { limit: 1 })[0].reasoning).toBe(
      "matched 'time' by its first letters ('timeouts') in description",
    );
  });

  it('does not mention a prefix match where the whole word matched as well', () => {
    const index = new LexicalIndex();
    index.upsert(tool('demo', 'calculator', 'Evaluates an arithmetic expression.'));
    expect(index.search('calculator', { limit: 1 })[0].reasoning).toBe(
      "matched 'calculator' in name",
    );
    expect(index.search('calculators', { limit: 1 })[0].reasoning).toBe(
      "matched 'calculators' in name",
    );
  });

  it('scores a catalog after much churn exactly as one built afresh', () => {
    const words = ['weather', 'stock', 'email', 'file', 'image', 'slack', 'query', 'route'];
    const make = (i: number, version: number) =>
      tool(`s${i % 7}`, `t${i}`, `${words[i % 8]} ${words[(i * 3 + version) % 8]} helper`, {
        [words[(i * 5) % 8]]: { type: 'string' },
      });
    const churned = new LexicalIndex();
    const live = new Map<number, IndexedTool>();
    // A fixed pseudo-random walk: many removals from long posting lists, in every order.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 300;
    for (let step = 0; step < 3000; step++) {
      const i = next();
      if (step % 3 === 0 && live.has(i)) {
        churned.remove(live.get(i)!.name);
        live.delete(i);
      } else {
        const t = make(i, step);
        churned.upsert(t);
        live.set(i, t);
      }
    }
    const fresh = new LexicalIndex();
    for (const t of [...live.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) fresh.upsert(t);
    expect(churned.size).toBe(fresh.size);
    for (const query of ['weather helper', 'stock email', 'image route slack', 'query file']) {
      const got = churned.search(query, { limit: 50 });
      const want = fresh.search(query, { limit: 50 });
      expect(got.map((h) => h.name)).toEqual(want.map((h) => h.name));
      got.forEach((hit, k) => expect(hit.score).toBeCloseTo(want[k].score, 9));
    }
  });

  it('applies upserts and removals incrementally, document frequencies included', () => {
    const index = catalog();
    expect(index.size).toBe(6);
    expect(names(index, 'invoice')).toEqual([]);

    index.upsert(tool('billing', 'create_invoice', 'Create an invoice.'));
    expect(index.size).toBe(7);
    expect(names(index, 'invoice')).toEqual(['billing__create_invoice']);

    // Replacing a tool drops its old words.
    index.upsert(tool('billing', 'create_invoice', 'Create a receipt.'));
    expect(index.size).toBe(7);
    expect(names(index, 'invoice')).toEqual(['billing__create_invoice']);
    expect(names(index, 'receipt')).toEqual(['billing__create_invoice']);
    index.upsert({ ...tool('billing', 'x', 'Create a receipt.'), name: 'billing__create_invoice' });
    expect(names(index, 'invoice')).toEqual([]);

    index.remove('billing__create_invoice');
    index.remove('does_not_exist');
    expect(index.size).toBe(6);
    expect(names(index, 'receipt')).toEqual([]);
  });

  it('updates document frequencies: a word becoming common weighs less', () => {
    // Without pseudo-relevance feedback, which adds the hit's own (rarer) words.
    const index = new LexicalIndex({ feedbackDocs: 0 });
    index.upsert(tool('a', 'alpha', 'Upload a photo.'));
    index.upsert(tool('b', 'beta', 'Resize an image.'));
    const beta = { limit: 1, filter: (t: IndexedTool) => t.tool === 'beta' };
    const rare = index.search('image', beta)[0].score;
    for (let i = 0; i < 20; i++) index.upsert(tool(`s${i}`, `tool${i}`, `Image tool number ${i}.`));
    const common = index.search('image', beta)[0].score;
    expect(common).toBeLessThan(rare * 0.8);
    for (let i = 0; i < 20; i++) index.remove(`s${i}__tool${i}`);
    expect(index.search('image', beta)[0].score).toBeCloseTo(rare, 10);
  });

  it('respects the filter and the limit', () => {
    const index = catalog();
    const all = names(index, 'file');
    expect(all.slice(0, 2).sort()).toEqual(['files__read_file', 'files__write_file']);
    const filtered = index.search('file', { limit: 10, filter: (t) => t.tool !== 'read_file' });
    expect(filtered.map((h) => h.name)).not.toContain('files__read_file');
    expect(filtered[0].name).toBe('files__write_file');
    expect(index.search('file', { limit: 1 })).toHaveLength(1);
    expect(index.search('file', { limit: 10, filter: () => false })).toEqual([]);
  });

  it('returns scores in non-increasing order', () => {
    const hits = catalog().search('write a file to disk and read it', { limit: 10 });
    expect(hits.length).toBeGreaterThan(1);
    for (let i = 1; i < hits.length; i++)
      expect(hits[i].score).toBeLessThanOrEqual(hits[i - 1].score);
  });

  it('explains hits reached only through pseudo-relevance feedback', () => {
    // By default the coverage factor zeroes tools that share no query word; without it
    // such tools can be returned, and still get a reason.
    const index = new LexicalIndex({ coverageExponent: 0 });
    index.upsert(tool('notes', 'take_note', 'Save a markdown note in the notebook.'));
    index.upsert(tool('wiki', 'edit_page', 'Edit a markdown wiki page.'));
    const hits = index.search('take note', { limit: 5 });
    expect(hits.map((h) => h.name)).toEqual(['notes__take_note', 'wiki__edit_page']);
    expect(hits[1].reasoning).toMatch(
      /^no query word matched; shares .*'markdown'.* with the best match$/,
    );
  });

  it('lifts tools whose server as a whole matches the query, and forgets removed tools', () => {
    const index = new LexicalIndex();
    // Equal tools; by name alone "alpha" would win the tie.
    index.upsert(tool('alpha', 'create_issue', 'Create an issue.'));
    index.upsert(tool('forge', 'create_issue', 'Create an issue.'));
    index.upsert(tool('forge', 'list_commits', 'List commits of a repository.'));
    const query = 'create issue for my repository';
    expect(names(index, query, 2)).toEqual(['forge__create_issue', 'alpha__create_issue']);
    index.remove('forge__list_commits');
    const hits = index.search(query, { limit: 2 });
    expect(hits.map((h) => h.name)).toEqual(['alpha__create_issue', 'forge__create_issue']);
    expect(hits[0].score).toBe(hits[1].score);
  });

  it('tells scroll_up from scroll_down by the phrase, and does not read "up to date" as "up"', () => {
    const index = new LexicalIndex();
    index.upsert(tool('page', 'scroll_down', 'Scroll the page.'));
    index.upsert(tool('page', 'scroll_up', 'Scroll the page.'));
    index.upsert(tool('news', 'headlines', 'Up-to-date headlines.'));
    const hits = index.search('scroll up', { limit: 5 });
    expect(hits.map((h) => h.name)).toEqual(['page__scroll_up', 'page__scroll_down']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect(hits[0].reasoning).toContain("'scroll up' in phrase");
    expect(names(index, 'up')).toEqual([]);
  });

  it('weighs the name words a query covers by their idf: a generic verb counts for little', () => {
    const index = new LexicalIndex();
    // Alike but for the second name word: "list" is common in this catalog, "radar" is not.
    // Counting words, each name is half covered by "weather" and "alpha" would win the tie.
    index.upsert(tool('alpha', 'weather_radar', 'Weather data.'));
    index.upsert(tool('beta', 'list_weather', 'Weather data.'));
    for (const name of ['list_time', 'list_user', 'list_file'])
      index.upsert(tool('misc', name, ''));
    const hits = index.search('weather', { limit: 2 });
    expect(hits.map((h) => h.name)).toEqual(['beta__list_weather', 'alpha__weather_radar']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    // Once "radar" is the commoner word, the weights (cached per tool) follow the catalog.
    for (const name of ['radar_map', 'radar_scan', 'radar_feed', 'radar_zoom', 'radar_loop']) {
      index.upsert(tool('misc', name, ''));
    }
    expect(names(index, 'weather', 2)).toEqual(['alpha__weather_radar', 'beta__list_weather']);
  });

  it("weighs a word held by one server's many tools above one spread as thinly over servers", () => {
    // "ledger" and "widget" are in four tools each, but all the ledger tools are on one server:
    // among these servers the word picks out one of them. The server document's own lift is
    // turned off so that only the idf tells the two words apart.
    const build = (serverIdfBlend: number): LexicalIndex => {
      const index = new LexicalIndex({ serverIdfBlend, serverContextWeight: 0 });
      for (const n of ['one', 'two', 'three', 'four']) {
        index.upsert(tool('zeta', `${n}_entry`, `Ledger ${n}.`));
        index.upsert(tool(`shop_${n}`, `${n}_part`, `Widget ${n}.`));
      }
      for (const n of ['red', 'green', 'blue', 'gray']) index.upsert(tool(n, 'paint', n));
      return index;
    };
    expect(names(build(0), 'widget ledger', 1)).toEqual(['shop_four__four_part']);
    expect(names(build(0.5), 'widget ledger', 1)).toEqual(['zeta__four_entry']);
  });

  it('ranks a one-server catalog as the tool-level idf does, whatever the server blend', () => {
    const build = (serverIdfBlend: number): LexicalIndex => {
      const index = new LexicalIndex({ serverIdfBlend });
      for (const n of ['one', 'two', 'three'])
        index.upsert(tool('solo', `${n}_entry`, `Ledger ${n}.`));
      index.upsert(tool('solo', 'part', 'Widget ledger.'));
      return index;
    };
    const plain = build(0).search('widget ledger one', { limit: 4 });
    expect(build(0.5).search('widget ledger one', { limit: 4 })).toEqual(plain);
  });
});
