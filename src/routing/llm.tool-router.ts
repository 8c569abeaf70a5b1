import type OpenAI from 'openai';
import type { CatalogTool, ToolCatalog } from '../tools/tool-catalog.js';
import { parseRerankAnswer, rerankPrompt, SYSTEM_PROMPT } from './llm/rerank-prompt.js';
import { failureReason, withDeadline } from './model-failure.js';
import { ToolRouter, type RouteRequest, type RouteResult, type RoutedHit } from './tool-router.js';

/** Candidates the model sees: enough to recover a tool ranked low, small enough to be quick. */
export const SHORTLIST_SIZE = 25;

/**
 * The model re-ranks a shortlist from another strategy (never the whole catalog) and
 * writes the reasons. Shortlist tools it leaves out follow its picks in shortlist order,
 * so a short answer never hides a tool. Any failure answers with the shortlist ranking.
 */
export class LlmToolRouter extends ToolRouter {
  constructor(
    private readonly shortlist: ToolRouter,
    private readonly client: OpenAI,
    private readonly model: string,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async route(catalog: ToolCatalog, request: RouteRequest): Promise<RouteResult> {
    const base = await this.shortlist.route(catalog, {
      ...request,
      limit: Math.max(SHORTLIST_SIZE, request.limit),
    });
    const fallback = (reason: string): RouteResult => ({
      hits: base.hits.slice(0, request.limit),
      strategy: `${base.strategy} (llm fallback: ${reason})`,
      fallback: { failed: 'llm', reason, answeredWith: base.strategy },
    });
    // A tool removed since the shortlist was made cannot be offered to the model.
    const pool = base.hits.filter((hit) => catalog.get(hit.name) !== undefined);
    const candidates = pool.slice(0, SHORTLIST_SIZE).map((hit) => catalog.get(hit.name)!);
    // Nothing to re-rank: no model call, and the strategy honestly stays the shortlist's.
    if (candidates.length === 0) return base;
    try {
      const content = await withDeadline(this.ask(request.query, candidates), this.timeoutMs);
      const picks = parseRerankAnswer(content, candidates.length);
      return { hits: reorder(pool, picks, request.limit), strategy: 'llm' };
    } catch (error) {
      return fallback(failureReason(error));
    }
  }

  private async ask(query: string, tools: CatalogTool[]): Promise<string | null | undefined> {
    const completion = await this.client.chat.completions.create({
      model: this.model,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: rerankPrompt(query, tools) },
      ],
    });
    return completion?.choices?.[0]?.message?.content;
  }
}

/** The model's picks first (with its reasons), then the rest of the shortlist in its order. */
function reorder(
  shortlist: readonly RoutedHit[],
  picks: readonly { index: number; reason: string }[],
  limit: number,
): RoutedHit[] {
  const picked = new Set(picks.map((p) => p.index));
  const ordered = [
    ...picks.map((p) => ({
      hit: shortlist[p.index],
      reasoning: p.reason || shortlist[p.index].reasoning,
    })),
    ...shortlist.filter((_, i) => !picked.has(i)).map((hit) => ({ hit, reasoning: hit.reasoning })),
  ];
  const total = ordered.length;
  return ordered.slice(0, limit).map(({ hit, reasoning }, rank) => ({
    name: hit.name,
    // Rank-derived: the model orders, it does not score; picks stay above the rest.
    score: Math.round(((total - rank) / total) * 1e4) / 1e4,
    reasoning,
  }));
}
