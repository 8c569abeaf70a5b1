import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/errors/error-message.js';
import type { CatalogTool, ToolCatalog } from '../tools/tool-catalog.js';
import { LexicalIndex, type IndexedTool } from './lexical/lexical-index.js';
import { ToolRouter, type RouteRequest, type RouteResult } from './tool-router.js';

export function indexedTool(tool: CatalogTool): IndexedTool {
  const d = tool.definition;
  // A title often says in plain words what a terse identifier does not.
  const description = d.title ? `${d.title}. ${d.description ?? ''}` : (d.description ?? '');
  return {
    name: tool.name,
    server: tool.server,
    tool: tool.tool,
    description,
    inputSchema: d.inputSchema ?? {},
  };
}

/**
 * The no-key strategy: one BM25F index per catalog, built on first use and then kept in
 * step with the catalog's change events (only the tools that changed), so a query costs
 * only the scoring.
 */
@Injectable()
export class LexicalToolRouter extends ToolRouter {
  private readonly logger = new Logger(LexicalToolRouter.name);
  private readonly indexes = new WeakMap<ToolCatalog, LexicalIndex>();

  route(catalog: ToolCatalog, request: RouteRequest): Promise<RouteResult> {
    return Promise.resolve({ hits: this.rank(catalog, request), strategy: 'lexical' });
  }

  /** Synchronous ranking, also the shortlist source of the hybrid and llm strategies. */
  rank(catalog: ToolCatalog, request: RouteRequest): RouteResult['hits'] {
    const { servers } = request;
    return this.indexOf(catalog).search(request.query, {
      limit: request.limit,
      filter: servers ? (tool) => servers.has(tool.server) : undefined,
    });
  }

  indexOf(catalog: ToolCatalog): LexicalIndex {
    let index = this.indexes.get(catalog);
    if (!index) {
      const built = new LexicalIndex();
      // Subscribe before the initial fill: the catalog emits synchronously, so no change can
      // slip in between, and a change brings only the tools added, removed or redefined.
      catalog.subscribe((change) => {
        for (const name of change.removed) built.remove(name);
        for (const tool of change.added) this.add(built, tool);
      });
      for (const tool of catalog.all()) this.add(built, tool);
      this.indexes.set(catalog, built);
      index = built;
    }
    return index;
  }

  /** One tool whose text cannot be indexed is left unsearchable, not the rest of the change. */
  private add(index: LexicalIndex, tool: CatalogTool): void {
    try {
      index.upsert(indexedTool(tool));
    } catch (error) {
      this.logger.warn(`tool '${tool.name}' is not searchable: ${errorMessage(error)}`);
    }
  }
}
