/**
 * Offline evaluation of the lexical tool-search ranker on the shared tool-search benchmark
 * (see ../shared/benchmarks/tool-search/README.md). Runs in-process, without the gateway or
 * MCP servers, which makes it the quick loop for ranker work; `npm run bench:search` is the
 * same scoring through real servers and HTTP:
 *
 *   npx tsx bench/search-offline.ts
 *
 * Suites follow the README: LiveMCPBench alone, LiveMCPBench inside the MCP-Zero pool, and
 * MetaTool with all queries. A last run measures query latency at 10,000 tools.
 *
 *   npx tsx bench/search-offline.ts --halves
 *
 * also scores each suite on its even- and odd-numbered queries apart: tune on one half and
 * check on the other, so a change that only fits one set of queries shows up as such.
 *
 *   npx tsx bench/search-offline.ts --misses
 *
 * counts, per suite, the queries with no relevant tool in the top 5, and how many of those
 * share no indexed term (word, stem, prefix, n-gram) with any relevant tool's text: no
 * weighting of a lexical ranker can find those, only a model that knows related words.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { RankerParams } from '../src/routing/lexical/field-weights.js';
import { LexicalIndex, type IndexedTool } from '../src/routing/lexical/lexical-index.js';
import { schemaText } from '../src/routing/lexical/schema-text.js';
import { tokenize } from '../src/routing/lexical/tokenize.js';
import { MetricAccumulator, scoreQuery, TOP_K, type RetrievalMetrics } from './lib/metrics.js';
import { loadBenchmark, replicate, type DatasetTool, type Suite } from './lib/search/datasets.js';
import { percentile } from './lib/stats.js';

const SCALE_TOOLS = 10_000;

export interface SuiteResult extends RetrievalMetrics {
  label: string;
  catalog: number;
  queries: number;
  buildMs: number;
  p50: number;
  p95: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Namespaced catalog names as the gateway builds them: `${server}__${tool}`, sanitized, unique. */
function catalog(tools: DatasetTool[]): { tools: IndexedTool[]; byName: Map<string, DatasetTool> } {
  const byName = new Map<string, DatasetTool>();
  const out: IndexedTool[] = [];
  for (const tool of tools) {
    const base = `${tool.server}__${tool.name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 120);
    let name = base;
    for (let n = 2; byName.has(name); n++) name = `${base}_${n}`;
    byName.set(name, tool);
    out.push({
      name,
      server: tool.server,
      tool: tool.name,
      description: tool.description ?? '',
      inputSchema: isRecord(tool.inputSchema) ? tool.inputSchema : {},
    });
  }
  return { tools: out, byName };
}

function buildIndex(
  tools: IndexedTool[],
  params?: Partial<RankerParams>,
): { index: LexicalIndex; ms: number } {
  const start = performance.now();
  const index = new LexicalIndex(params);
  for (const tool of tools) index.upsert(tool);
  return { index, ms: performance.now() - start };
}

export function evaluate(suite: Suite, params?: Partial<RankerParams>): SuiteResult {
  const { tools, byName } = catalog(suite.tools);
  const { index, ms } = buildIndex(tools, params);
  const metrics = new MetricAccumulator();
  const latencies: number[] = [];
  // Untimed warm-up so JIT compilation does not dominate the first percentiles.
  for (const { query } of suite.queries.slice(0, 200)) index.search(query, { limit: TOP_K });
  for (const { query, relevant } of suite.queries) {
    const start = performance.now();
    const hits = index.search(query, { limit: TOP_K });
    latencies.push(performance.now() - start);
    const ranked = hits.map((hit) => {
      const tool = byName.get(hit.name);
      return tool ? suite.keyOf(tool) : '';
    });
    metrics.add(scoreQuery(ranked, relevant));
  }
  latencies.sort((a, b) => a - b);
  return {
    label: suite.label,
    catalog: index.size,
    queries: suite.queries.length,
    buildMs: ms,
    ...metrics.mean(),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

function scaleRun(pool: DatasetTool[], queries: string[]): Record<string, string> {
  const { tools } = catalog(replicate(pool, SCALE_TOOLS));
  const { index, ms } = buildIndex(tools);
  for (const q of queries.slice(0, 50)) index.search(q, { limit: TOP_K }); // warm-up
  const latencies: number[] = [];
  for (const q of queries) {
    const start = performance.now();
    index.search(q, { limit: TOP_K });
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  // Incremental update cost: replace and re-add tools in a full index.
  const updateStart = performance.now();
  for (const tool of tools.slice(0, 500)) {
    index.remove(tool.name);
    index.upsert(tool);
  }
  const updateMs = (performance.now() - updateStart) / 500;
  const huge = 'weather forecast for the city of '.repeat(3_200);
  const hugeStart = performance.now();
  index.search(huge, { limit: TOP_K });
  const hugeMs = performance.now() - hugeStart;
  return {
    catalog: String(index.size),
    queries: String(queries.length),
    'build ms': ms.toFixed(0),
    'query p50 ms': percentile(latencies, 50).toFixed(3),
    'query p95 ms': percentile(latencies, 95).toFixed(3),
    'remove+upsert ms/tool': updateMs.toFixed(3),
    [`${Math.round(huge.length / 1024)} KB query ms`]: hugeMs.toFixed(2),
  };
}

/** Every term the tokenizer derives from a text, of any kind. */
function termsOf(text: string): Set<string> {
  return new Set(tokenize(text).flatMap((unit) => unit.terms.map((term) => term.text)));
}

/** The text of a tool the index reads: names, description, and what schemaText() takes. */
function indexedText(tool: IndexedTool): string {
  const schema = schemaText(tool.inputSchema);
  return [tool.tool, tool.server, tool.description, ...schema.names, ...schema.descriptions].join(
    ' ',
  );
}

/** Queries missed at 5, and those among them that share no term with any relevant tool. */
function misses(suite: Suite): { queries: number; missed: number; noSharedTerm: number } {
  const { tools, byName } = catalog(suite.tools);
  const { index } = buildIndex(tools);
  const termsByKey = new Map<string, Set<string>>();
  for (const tool of tools) {
    const key = suite.keyOf(byName.get(tool.name)!);
    const terms = termsByKey.get(key) ?? new Set<string>();
    for (const term of termsOf(indexedText(tool))) terms.add(term);
    termsByKey.set(key, terms);
  }
  let missed = 0;
  let noSharedTerm = 0;
  for (const { query, relevant } of suite.queries) {
    const top = index.search(query, { limit: 5 }).map((hit) => suite.keyOf(byName.get(hit.name)!));
    if (top.some((key) => relevant.has(key))) continue;
    missed++;
    const queryTerms = [...termsOf(query)];
    const shares = [...relevant].some((key) => queryTerms.some((t) => termsByKey.get(key)?.has(t)));
    if (!shares) noSharedTerm++;
  }
  return { queries: suite.queries.length, missed, noSharedTerm };
}

/** The suite restricted to its even- or odd-numbered queries. */
function half(suite: Suite, parity: 0 | 1): Suite {
  return {
    ...suite,
    label: `${suite.label}, ${parity === 0 ? 'even' : 'odd'} half`,
    queries: suite.queries.filter((_, i) => i % 2 === parity),
  };
}

function main(): void {
  const { suites, scalePool, scaleQueries } = loadBenchmark();
  if (process.argv.includes('--misses')) {
    console.log('| suite | queries | no relevant tool in top 5 | of those, no term shared |');
    console.log('|---|---|---|---|');
    for (const suite of suites) {
      const m = misses(suite);
      console.log(`| ${suite.label} | ${m.queries} | ${m.missed} | ${m.noSharedTerm} |`);
    }
    return;
  }
  const halves = process.argv.includes('--halves');
  const rows = suites
    .flatMap((suite) => (halves ? [suite, half(suite, 0), half(suite, 1)] : [suite]))
    .map((suite) => evaluate(suite));
  const f1 = (v: number): string => v.toFixed(1);
  const f3 = (v: number): string => v.toFixed(3);
  console.log(
    '| suite | tools | queries | Hit@1 | R@5 | R@10 | MRR@10 | nDCG@10 | all@10 | p50 ms | p95 ms | build ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const cells = [
      r.label,
      r.catalog,
      r.queries,
      f1(r.hit1),
      f1(r.recall5),
      f1(r.recall10),
      f1(r.mrr10),
      f1(r.ndcg10),
      f1(r.all10),
      f3(r.p50),
      f3(r.p95),
      r.buildMs.toFixed(0),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  const scale = scaleRun(scalePool, scaleQueries);
  console.log(`\nScale (${SCALE_TOOLS.toLocaleString('en')} tools, replicated pool):`);
  for (const [key, value] of Object.entries(scale)) console.log(`  ${key}: ${value}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
