import { Injectable } from '@nestjs/common';
import { UsageRecorder } from '../analytics/usage-recorder.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { ToolsService, toolView } from '../tools/tools.service.js';
import { FallbackWarnings } from './fallback-warnings.js';
import { ToolRouter, type Fallback } from './tool-router.js';
import {
  ToolSearch,
  type SearchHit,
  type SearchRequest,
  type SearchResponse,
} from './tool-search.js';

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 50;

/** ToolSearch over the scope's catalog with the configured ToolRouter. */
@Injectable()
export class ToolSearchService extends ToolSearch {
  private readonly fallbacks = new FallbackWarnings();

  constructor(
    private readonly tools: ToolsService,
    private readonly router: ToolRouter,
    private readonly usage: UsageRecorder,
  ) {
    super();
  }

  async search(request: SearchRequest, sessionId?: string): Promise<SearchResponse> {
    const started = performance.now();
    const door = request.door ?? 'rest';
    // In characters as a reader counts them: code points, not UTF-16 units ("😀" is one).
    const queryLength = [...request.query].length;
    let found: { tools: SearchHit[]; strategy: string; fallback?: Fallback };
    try {
      found = await this.rank(request, sessionId);
    } catch (error) {
      // Counted too (README: every search is), under no strategy: none ranked it.
      this.usage.recordSearch({
        door,
        tookMs: performance.now() - started,
        resultCount: 0,
        queryLength,
        failed: true,
        sessionId,
      });
      throw error;
    }
    const { tools, strategy, fallback } = found;
    this.fallbacks.note(fallback);
    const tookMs = performance.now() - started;
    // The query text itself is kept only if ANALYTICS_STORE_QUERIES says so (the recorder decides).
    this.usage.recordSearch({
      door,
      strategy,
      tookMs,
      resultCount: tools.length,
      queryLength,
      query: request.query,
      sessionId,
    });
    return { query: request.query, tools, strategy, took_ms: round(tookMs) };
  }

  private async rank(
    request: SearchRequest,
    sessionId: string | undefined,
  ): Promise<{ tools: SearchHit[]; strategy: string; fallback?: Fallback }> {
    // Throws SESSION_NOT_FOUND for an unknown session: never a fall-back to global.
    const catalog = await this.tools.catalog(sessionId);
    // A misspelt server would otherwise filter everything out and look like "no match".
    const unknown = (request.servers ?? []).filter((name) => !catalog.hasServer(name));
    if (unknown.length > 0) {
      throw new GatewayError(
        ErrorCode.SERVER_NOT_FOUND,
        `No server named ${unknown.map((n) => `'${n}'`).join(', ')} in this scope (GET /mcp/servers lists them)`,
        { unknown },
      );
    }
    const limit = Math.min(Math.max(Math.floor(request.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
    const { hits, strategy, fallback } = await this.router.route(catalog, {
      query: request.query,
      limit,
      servers: request.servers ? new Set(request.servers) : undefined,
    });
    const tools: SearchHit[] = [];
    for (const hit of hits) {
      const tool = catalog.get(hit.name);
      if (tool)
        tools.push({ ...toolView(tool), score: round(hit.score), reasoning: hit.reasoning });
    }
    return { tools, strategy, fallback };
  }
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
