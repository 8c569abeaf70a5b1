import { createHash } from 'node:crypto';
import type { CatalogTool } from '../../tools/tool-catalog.js';
import { schemaText } from '../lexical/schema-text.js';

const MAX_PARAMS = 24;

/** What a tool is embedded as: its names, description and parameter names, in plain words. */
export function toolText(tool: CatalogTool): string {
  const d = tool.definition;
  const params = schemaText(d.inputSchema ?? {}).names.slice(0, MAX_PARAMS);
  return [
    `${d.title ?? tool.tool} (${tool.server})`,
    d.description ?? '',
    params.length > 0 ? `Parameters: ${params.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * The cache key of a tool's embedding: the model and a hash of exactly the text embedded,
 * so an unchanged tool keeps its vector across restarts and sessions, and any change to
 * what is embedded (or to the model) misses.
 */
export function embeddingKey(model: string, text: string): string {
  return `${model}:${createHash('sha256').update(text).digest('base64url')}`;
}
