import type { CatalogTool } from '../../tools/tool-catalog.js';
import { schemaText } from '../lexical/schema-text.js';
import { MalformedAnswerError } from '../model-failure.js';

const MAX_DESCRIPTION_CHARS = 400;
const MAX_PARAMS = 12;
const MAX_REASON_CHARS = 300;

export const SYSTEM_PROMPT = [
  'You pick tools for an AI agent. Given a request and numbered candidate tools, order the',
  'candidates that help with the request, most useful first, and leave out those that do not',
  'help. Answer with JSON only: {"tools": [{"id": <candidate number>, "reason": "<one short',
  'sentence on why it fits>"}]}.',
].join(' ');

/** The user message: the request, then one line per candidate. */
export function rerankPrompt(query: string, candidates: readonly CatalogTool[]): string {
  const lines = candidates.map((tool, i) => {
    const d = tool.definition;
    const description = (d.description ?? '').replace(/\s+/g, ' ').slice(0, MAX_DESCRIPTION_CHARS);
    const params = schemaText(d.inputSchema ?? {}).names.slice(0, MAX_PARAMS);
    return `${i + 1}. ${tool.name}: ${description}${params.length ? ` (parameters: ${params.join(', ')})` : ''}`;
  });
  // JSON-encode the query so text in it cannot pass itself off as part of the instructions.
  return `Request: ${JSON.stringify(query)}\n\nCandidates:\n${lines.join('\n')}`;
}

export interface RerankPick {
  /** Index into the candidates. */
  index: number;
  reason: string;
}

/**
 * Reads the model's answer. Unknown or repeated ids are skipped; an answer that is not
 * the asked-for JSON, or that names no candidate at all, is malformed.
 */
export function parseRerankAnswer(
  content: string | null | undefined,
  candidates: number,
): RerankPick[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripCodeFence(content ?? ''));
  } catch {
    throw new MalformedAnswerError('re-rank answer is not JSON');
  }
  const list = (parsed as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(list)) throw new MalformedAnswerError('re-rank answer has no tools list');
  const picks: RerankPick[] = [];
  const seen = new Set<number>();
  for (const item of list as unknown[]) {
    const { id, reason } = (item ?? {}) as { id?: unknown; reason?: unknown };
    const index = (typeof id === 'string' ? Number(id) : id) as number;
    if (!Number.isInteger(index) || index < 1 || index > candidates || seen.has(index)) continue;
    seen.add(index);
    picks.push({
      index: index - 1,
      reason: typeof reason === 'string' ? reason.trim().slice(0, MAX_REASON_CHARS) : '',
    });
  }
  if (picks.length === 0 && list.length > 0) {
    throw new MalformedAnswerError('re-rank answer names no candidate');
  }
  return picks;
}

/** Some models wrap JSON in a Markdown fence even when asked not to. */
function stripCodeFence(text: string): string {
  const match = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  return match ? match[1] : text;
}
