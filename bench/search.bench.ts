/**
 * Tool search end to end: the benchmark sets of ../shared/benchmarks/tool-search served by
 * real MCP servers (streamable HTTP, one logical server per dataset server), connected to the
 * built gateway running as its own process through POST /mcp/servers/add, every query sent to
 * POST /mcp/search over HTTP and scored as that folder's README says.
 *
 *   npm run bench:search
 *
 * Each suite gets a fresh gateway so its catalog is exactly the suite's tools. The "index"
 * column is the first search, which builds the lexical index of the catalog. Latencies are
 * client-side HTTP round trips on loopback, queries sent one at a time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from './lib/gateway-process.js';
import { MetricAccumulator, scoreQuery, TOP_K } from './lib/metrics.js';
import { startDatasetHost, type DatasetHost } from './lib/search/dataset-mcp-servers.js';
import { loadBenchmark, replicate, type DatasetTool, type Suite } from './lib/search/datasets.js';
import {
  addServers,
  catalogSize,
  MAX_QUERY_CHARS,
  search,
} from './lib/search/gateway-search-client.js';
import { percentile } from './lib/stats.js';

const SCALE_TOOLS = 10_000;
/** Servers per POST /mcp/servers/add. */
const ADD_CHUNK = 100;
/** Untimed queries first: a fresh process runs unoptimised code and collects garbage for a while. */
const WARM_UP_QUERIES = 300;

interface Row {
  label: string;
  servers: number;
  tools: number;
  queries: number;
  connectMs: number;
  indexMs: number;
  metrics: ReturnType<MetricAccumulator['mean']>;
  p50: number;
  p95: number;
  /** The gateway's own took_ms, median: the share of the round trip spent ranking. */
  tookP50: number;
  strategy: string;
}

function emptyServersFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-search-')), 'servers.json');
  writeFileSync(file, JSON.stringify({ mcpServers: {} }));
  return file;
}

/** A gateway whose catalog is exactly `tools`, served by real MCP servers. */
async function gatewayWith(
  host: DatasetHost,
  tools: readonly DatasetTool[],
): Promise<{
  gateway: GatewayProcess;
  served: ReturnType<DatasetHost['serve']>;
  connectMs: number;
  size: number;
}> {
  const served = host.serve(tools);
  const gateway = await startGatewayProcess({
    MCP_SERVERS_CONFIG: emptyServersFile(),
    // The figures are the no-key ranker's, whatever the caller's environment holds.
    SEARCH_STRATEGY: 'lexical',
    LOG_LEVEL: 'error',
    // Tens of thousands of searches from one client are the point here, not abuse.
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const started = performance.now();
  let added = 0;
  const failed: { name: string; error: string }[] = [];
  // In chunks: a thousand simultaneous handshakes measure the loopback, not the gateway.
  const entries = Object.entries(served.config().mcpServers);
  for (let i = 0; i < entries.length; i += ADD_CHUNK) {
    const mcpServers = Object.fromEntries(entries.slice(i, i + ADD_CHUNK));
    const result = await addServers(gateway.url, { mcpServers });
    added += result.added;
    failed.push(...result.failed);
  }
  const connectMs = performance.now() - started;
  if (failed.length > 0) {
    await gateway.stop();
    throw new Error(
      `${failed.length} servers failed to connect, e.g. ${JSON.stringify(failed[0])}`,
    );
  }
  if (added !== served.servers.length)
    throw new Error(`added ${added} of ${served.servers.length}`);
  return { gateway, served, connectMs, size: await catalogSize(gateway.url) };
}

async function runSuite(host: DatasetHost, suite: Suite): Promise<Row> {
  const { gateway, served, connectMs, size } = await gatewayWith(host, suite.tools);
  try {
    const first = await search(gateway.url, suite.queries[0].query, TOP_K);
    for (const { query } of suite.queries.slice(0, WARM_UP_QUERIES)) {
      await search(gateway.url, query, TOP_K);
    }
    const metrics = new MetricAccumulator();
    const latencies: number[] = [];
    const took: number[] = [];
    let strategy = first.answer.strategy;
    for (const { query, relevant } of suite.queries) {
      const { answer, ms } = await search(gateway.url, query, TOP_K);
      latencies.push(ms);
      took.push(answer.took_ms);
      strategy = answer.strategy;
      const ranked = answer.tools.map((hit) => {
        // Scored through server + upstream tool name, never the namespaced name (README).
        const tool = served.toolOf(hit.server, hit.tool);
        return tool ? suite.keyOf(tool) : '';
      });
      metrics.add(scoreQuery(ranked, relevant));
    }
    latencies.sort((a, b) => a - b);
    took.sort((a, b) => a - b);
    return {
      label: suite.label,
      servers: served.servers.length,
      tools: size,
      queries: suite.queries.length,
      connectMs,
      indexMs: first.ms,
      metrics: metrics.mean(),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      tookP50: percentile(took, 50),
      strategy,
    };
  } finally {
    await gateway.stop();
  }
}

async function runScale(host: DatasetHost, pool: DatasetTool[], queries: string[]): Promise<Row> {
  const { gateway, served, connectMs, size } = await gatewayWith(
    host,
    replicate(pool, SCALE_TOOLS),
  );
  try {
    const first = await search(gateway.url, queries[0], TOP_K);
    // A whole untimed pass: at this size the first pass is dominated by JIT and GC warm-up.
    for (const query of queries) await search(gateway.url, query, TOP_K);
    const latencies: number[] = [];
    const took: number[] = [];
    for (const query of queries) {
      const { answer, ms } = await search(gateway.url, query, TOP_K);
      latencies.push(ms);
      took.push(answer.took_ms);
    }
    latencies.sort((a, b) => a - b);
    took.sort((a, b) => a - b);
    return {
      label: `${SCALE_TOOLS.toLocaleString('en')} tools (replicated pool)`,
      servers: served.servers.length,
      tools: size,
      queries: queries.length,
      connectMs,
      indexMs: first.ms,
      metrics: new MetricAccumulator().mean(),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      tookP50: percentile(took, 50),
      strategy: first.answer.strategy,
    };
  } finally {
    await gateway.stop();
  }
}

function print(rows: Row[], scale: Row): void {
  const f1 = (v: number): string => v.toFixed(1);
  const f2 = (v: number): string => v.toFixed(2);
  console.log(
    '\n| suite | servers | tools | queries | Hit@1 | R@5 | R@10 | MRR@10 | nDCG@10 | all@10 | p50 ms | p95 ms | took p50 | connect ms | index ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const m = r.metrics;
    console.log(
      `| ${[r.label, r.servers, r.tools, r.queries, f1(m.hit1), f1(m.recall5), f1(m.recall10), f1(m.mrr10), f1(m.ndcg10), f1(m.all10), f2(r.p50), f2(r.p95), f2(r.tookP50), r.connectMs.toFixed(0), r.indexMs.toFixed(0)].join(' | ')} |`,
    );
  }
  console.log(
    `\nScale: ${scale.tools} tools on ${scale.servers} servers, ${scale.queries} queries: ` +
      `p50 ${f2(scale.p50)} ms, p95 ${f2(scale.p95)} ms (HTTP round trip; ranking alone p50 ${f2(scale.tookP50)} ms); ` +
      `connect ${scale.connectMs.toFixed(0)} ms, index (first search) ${scale.indexMs.toFixed(0)} ms`,
  );
  const strategies = new Set([...rows, scale].map((r) => r.strategy));
  console.log(
    `Strategy reported: ${[...strategies].join(', ')}; top ${TOP_K}; queries cut to ${MAX_QUERY_CHARS} characters (the API limit).`,
  );
}

async function main(): Promise<void> {
  const { suites, scalePool, scaleQueries } = loadBenchmark();
  const host = await startDatasetHost();
  try {
    const rows: Row[] = [];
    for (const suite of suites) {
      process.stderr.write(`running ${suite.label} (${suite.queries.length} queries)...\n`);
      rows.push(await runSuite(host, suite));
    }
    process.stderr.write(`running ${SCALE_TOOLS} tools...\n`);
    const scale = await runScale(host, scalePool, scaleQueries);
    print(rows, scale);
  } finally {
    await host.close();
  }
}

await main();
