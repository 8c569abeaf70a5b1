/**
 * The tool-search benchmark sets (../shared/benchmarks/tool-search, see its README) and the
 * three suites it defines, shared by the offline and the over-HTTP benchmarks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DatasetTool {
  id: string;
  server: string;
  name: string;
  description?: string | null;
  inputSchema?: unknown;
}

export interface DatasetQuery {
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

export interface SuiteQuery {
  query: string;
  relevant: Set<string>;
}

export interface Suite {
  label: string;
  /** One entry per distinct tool id. */
  tools: DatasetTool[];
  queries: SuiteQuery[];
  /** The key a hit is judged by: a tool id, or a tool name for name-level labels. */
  keyOf: (tool: DatasetTool) => string;
}

export interface Benchmark {
  suites: Suite[];
  /** Every distinct tool of the three sets, the seed of the 10,000-tool catalog. */
  scalePool: DatasetTool[];
  /** Queries for latency at scale: all LiveMCPBench ones and every 20th MetaTool one. */
  scaleQueries: string[];
}

/** The repository root: the nearest folder up from here with a package.json (src or dist). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the benchmark');
    dir = parent;
  }
  return dir;
}

/** TOOL_SEARCH_DATA, else the workspace's shared folder beside the repository. */
export const DATA_DIR =
  process.env.TOOL_SEARCH_DATA ?? resolve(repoRoot(), '..', 'shared', 'benchmarks', 'tool-search');

function load(file: string): Dataset {
  const path = resolve(DATA_DIR, file);
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found: set TOOL_SEARCH_DATA to the folder holding the tool-search benchmark sets (livemcpbench.json, mcp-zero-distractors.json, metatool.json)`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as Dataset;
}

function uniqueById(tools: DatasetTool[]): DatasetTool[] {
  const seen = new Set<string>();
  return tools.filter((t) => !seen.has(t.id) && seen.add(t.id));
}

export function loadBenchmark(): Benchmark {
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

  // The README: drop MCP-Zero tools whose name equals a LiveMCPBench tool name.
  const liveNames = new Set(live.tools.map((t) => t.name));
  const pool = uniqueById(zero.tools).filter((t) => !liveNames.has(t.name));

  const suites: Suite[] = [
    {
      label: 'LiveMCPBench',
      tools: uniqueById(live.tools),
      queries: liveQueries,
      keyOf: byToolName,
    },
    {
      label: 'LiveMCPBench + MCP-Zero pool',
      tools: uniqueById([...live.tools, ...pool]),
      queries: liveQueries,
      keyOf: byToolName,
    },
    {
      label: 'MetaTool (all queries)',
      tools: uniqueById(meta.tools),
      queries: meta.queries.map((q) => ({ query: q.query, relevant: new Set(q.relevant) })),
      keyOf: byId,
    },
  ];
  return {
    suites,
    scalePool: uniqueById([...zero.tools, ...live.tools, ...meta.tools]),
    scaleQueries: [
      ...live.queries.map((q) => q.query),
      ...meta.queries.filter((_, i) => i % 20 === 0).map((q) => q.query),
    ],
  };
}

/** Replicates the pool under distinct servers (`<server> <copy>`) up to `target` tools. */
export function replicate(pool: readonly DatasetTool[], target: number): DatasetTool[] {
  const out: DatasetTool[] = [];
  for (let copy = 0; out.length < target; copy++) {
    for (const tool of pool) {
      if (out.length >= target) break;
      const server = copy === 0 ? tool.server : `${tool.server} ${copy}`;
      out.push(copy === 0 ? tool : { ...tool, id: `${server}::${tool.name}`, server });
    }
  }
  return out;
}
