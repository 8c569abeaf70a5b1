import type { ToolCatalog } from '../tools/tool-catalog.js';

export interface RouteRequest {
  query: string;
  /** How many hits to return, best first. */
  limit: number;
  /** Only tools of these servers (undefined = every server in the catalog). */
  servers?: ReadonlySet<string>;
}

export interface RoutedHit {
  /** Namespaced catalog name. */
  name: string;
  score: number;
  reasoning: string;
}

export interface RouteResult {
  hits: RoutedHit[];
  /** What actually ranked, e.g. "hybrid" or "lexical (llm fallback: timeout)". */
  strategy: string;
  /** Set when a model strategy failed and the ranking beneath it answered. */
  fallback?: Fallback;
}

export interface Fallback {
  /** The strategy that failed. */
  failed: 'hybrid' | 'llm';
  /** Short and secret-free (see failureReason). */
  reason: string;
  /** The strategy of the ranking that answered instead. */
  answeredWith: string;
}

/**
 * Ranks the tools of one scope's catalog for a query. Implementations keep whatever they
 * index per catalog (a catalog is one scope) and follow its changes, so a query never
 * rebuilds an index. Swap the strategy by providing another class for this token.
 */
export abstract class ToolRouter {
  abstract route(catalog: ToolCatalog, request: RouteRequest): Promise<RouteResult>;
}
