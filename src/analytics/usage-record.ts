/** The entry doors of the gateway; every tool call and search comes through one of them. */
export type Door = 'rest' | 'mcp' | 'queue';

/** `tool_error`: the tool ran and reported failure (`isError`); `error`: the call failed. */
export type CallOutcome = 'ok' | 'tool_error' | 'error';

export interface ToolCallRecord {
  /** The catalog name as GET /mcp/tools shows it (`server__tool`). */
  tool: string;
  /** The server's name in its scope. */
  server: string;
  /** Absent for the global scope. */
  sessionId?: string;
  door: Door;
  durationMs: number;
  outcome: CallOutcome;
  /** The GatewayError code when outcome is 'error' (e.g. UPSTREAM_TIMEOUT). */
  errorCode?: string;
}

export interface SearchRecord {
  door: Door;
  /**
   * As ToolSearch answers it, e.g. "lexical" or "lexical (llm fell back: timeout)"; absent
   * when the search failed before any strategy ranked.
   */
  strategy?: string;
  /** The search was answered with an error. */
  failed?: boolean;
  tookMs: number;
  resultCount: number;
  queryLength: number;
  /** Kept only when ANALYTICS_STORE_QUERIES=true. */
  query?: string;
  sessionId?: string;
}

/**
 * The strategy as a bounded name: its first word ("lexical (llm fell back: timeout)" counts
 * as "lexical"), lower-cased; anything odd is "unknown". Free text must never become a key.
 */
export function strategyName(strategy: string): string {
  const match = /^[a-z][a-z0-9_-]{0,31}/i.exec(strategy.trim());
  return match ? match[0].toLowerCase() : 'unknown';
}
