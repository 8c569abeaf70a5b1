/**
 * Offline evaluation of the lexical tool-search ranker on the shared
 * tool-search benchmark (see ../shared/benchmarks/tool-search/README.md).
 * Runs in-process, without the gateway or MCP servers:
 *
 *   npx tsx bench/search-offline.ts
 *
 * Suites follow the README: LiveMCPBench alone, LiveMCPBench inside the MCP-Zero
 * pool (MCP-Zero tools whose name equals a LiveMCPBench tool name dropped), and
 * MetaTool with all queries. A last run measures query latency at 10,000 tools.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { RankerParams } from '../src/routing/lexical/field-weights.js';
import { LexicalIndex, type IndexedTool } from '../src/routing/lexical/lexical-index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = resolve(HERE, '../../shared/benchmarks/tool-search');
const TOP_K = 10;
const SCALE_TOOLS = 10_000;

interface DatasetTool {
  id: string;
  server: string;
  name: string;
  description?: string | null;
  inputSchema?: unknown;
}

interface DatasetQuery {
  id: string;
  query: string;
  relevant: string[];
  relevantNames?: string[];
}

interface Dataset {
  name: string;
  tools: DatasetTool[];
  queries: DatasetQuery[];
}

/** A catalog ready to index, with the map from namespaced name back to the dataset tool. */
export interface Suite {
  label: string;
  tools: IndexedTool[];
  byName: Map<string, DatasetTool>;
  queries: { query: string; relevant: Set<string> }[];
  /** The key a hit is judged by (a tool id, or a tool name for name-level labels). */
  keyOf: (tool: DatasetTool) => string;
}

export interface SuiteResult {
  label: string;
  catalog: number;
  queries: number;
  buildMs: number;
  hit1: number;
  recall5: number;
  recall10: number;
  mrr10: number;
  ndcg10: number;
  all10: number;
  p50: number;
  p95: number;
}

function load(file: string): Dataset {
  return JSON.parse(readFileSync(resolve(DATA_DIR, file), 'utf8')) as Dataset;
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

function uniqueById(tools: DatasetTool[]): DatasetTool[] {
  const seen = new Set<string>();
  return tools.filter((t) => !seen.has(t.id) && seen.add(t.id));
}

export function loadSuites(): {
  suites: Suite[];
  scalePool: DatasetTool[];
  scaleQueries: string[];
} {
  const live = load('livemcpbench.json');
  const zero = load('mcp-zero-distractors.json');
  const meta = load('metatool.json');

  // LiveMCPBench labels are tool names: any server's tool of that name counts.
  const liveQueries = live.queries.map((q) => ({
    query: q.query,
    relevant: new Set(
      q.relevantNames ?? q.relevant.map((id) => id.split('::').slice(1).join('::')),
    ),
  }));
  const byToolName = (t: DatasetTool): string => t.name;
  const byId = (t: DatasetTool): string => t.id;

  const liveNames = new Set(live.tools.map((t) => t.name));
  const pool = uniqueById(zero.tools).filter((t) => !liveNames.has(t.name));

  const suites: Suite[] = [
    { label: 'LiveMCPBench', ...catalog(live.tools), queries: liveQueries, keyOf: byToolName },
    {
      label: 'LiveMCPBench + MCP-Zero pool',
      ...catalog([...live.tools, ...pool]),
      queries: liveQueries,
      keyOf: byToolName,
    },
    {
      label: 'MetaTool (all queries)',
      ...catalog(meta.tools),
      queries: meta.queries.map((q) => ({ query: q.query, relevant: new Set(q.relevant) })),
      keyOf: byId,
    },
  ];
  const scalePool = [...uniqueById(zero.tools), ...live.tools, ...meta.tools];
  const scaleQueries = [
    ...live.queries.map((q) => q.query),
    ...meta.queries.filter((_, i) => i % 20 === 0).map((q) => q.query),
  ];
  return { suites, scalePool, scaleQueries };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
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
  const { index, ms } = buildIndex(suite.tools, params);
  const sums = { hit1: 0, recall5: 0, recall10: 0, mrr10: 0, ndcg10: 0, all10: 0 };
  const latencies: number[] = [];
  // Untimed warm-up so JIT compilation does not dominate the first percentiles.
  for (const { query } of suite.queries.slice(0, 200)) index.search(query, { limit: TOP_K });
  for (const { query, relevant } of suite.queries) {
    const start = performance.now();
    const hits = index.search(query, { limit: TOP_K });
    latencies.push(performance.now() - start);

    // Each relevant key counts once, at its best rank (several servers may hold one name).
    const seen = new Set<string>();
    let found5 = 0;
    let dcg = 0;
    let firstRank = 0;
    hits.forEach((hit, rank) => {
      const tool = suite.byName.get(hit.name);
      const key = tool ? suite.keyOf(tool) : '';
      if (!relevant.has(key) || seen.has(key)) return;
      seen.add(key);
      if (rank < 5) found5++;
      if (firstRank === 0) firstRank = rank + 1;
      dcg += 1 / Math.log2(rank + 2);
    });
    let idcg = 0;
    for (let i = 0; i < Math.min(relevant.size, TOP_K); i++) idcg += 1 / Math.log2(i + 2);
    sums.hit1 += firstRank === 1 ? 1 : 0;
    sums.recall5 += found5 / relevant.size;
    sums.recall10 += seen.size / relevant.size;
    sums.mrr10 += firstRank > 0 ? 1 / firstRank : 0;
    sums.ndcg10 += idcg > 0 ? dcg / idcg : 0;
    sums.all10 += seen.size === relevant.size ? 1 : 0;
  }
  const n = Math.max(suite.queries.length, 1);
  const pct = (v: number): number => (100 * v) / n;
  latencies.sort((a, b) => a - b);
  return {
    label: suite.label,
    catalog: index.size,
    queries: suite.queries.length,
    buildMs: ms,
    hit1: pct(sums.hit1),
    recall5: pct(sums.recall5),
    recall10: pct(sums.recall10),
    mrr10: pct(sums.mrr10),
    ndcg10: pct(sums.ndcg10),
    all10: pct(sums.all10),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

/** Replicates the pool under distinct names (and servers) up to `target` tools. */
function scaleCatalog(pool: DatasetTool[], target: number): IndexedTool[] {
  const base = catalog(pool).tools;
  const out: IndexedTool[] = [];
  for (let copy = 0; out.length < target; copy++) {
    for (const tool of base) {
      if (out.length >= target) break;
      out.push(
        copy === 0
          ? tool
          : { ...tool, name: `${tool.name}__copy${copy}`, server: `${tool.server} ${copy}` },
      );
    }
  }
  return out;
}

function scaleRun(pool: DatasetTool[], queries: string[]): Record<string, string> {
  const tools = scaleCatalog(pool, SCALE_TOOLS);
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

function main(): void {
  const { suites, scalePool, scaleQueries } = loadSuites();
  const rows = suites.map((suite) => evaluate(suite));
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
