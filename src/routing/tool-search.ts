import type { ToolView } from '../tools/tools.service.js';

export interface SearchRequest {
  query: string;
  /** 1..50, default 5. */
  limit?: number;
  /** Only tools of these servers. */
  servers?: string[];
  /** Which door asked, for usage analytics (REST when absent). */
  door?: 'rest' | 'mcp' | 'queue';
}

export interface SearchHit extends ToolView {
  score: number;
  reasoning: string;
}

export interface SearchResponse {
  query: string;
  tools: SearchHit[];
  /** What actually ranked: lexical, hybrid, llm, or e.g. "lexical (llm fell back: timeout)". */
  strategy: string;
  took_ms: number;
}

/**
 * The port every door uses to search the catalog of a scope (POST /mcp/search, the
 * search_tools meta-tool, the queue's "search" op). RoutingModule provides it.
 */
export abstract class ToolSearch {
  abstract search(request: SearchRequest, sessionId?: string): Promise<SearchResponse>;
}
