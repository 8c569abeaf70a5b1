import { createHash } from 'node:crypto';
import type { UpstreamTool } from '../../mcp/upstream-client.js';

/** JSON with sorted keys, so the same definition always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What an agent trusts about a tool: its name, title, description, schemas and annotations.
 * A server that changes any of them after the first sighting changes the fingerprint.
 */
export function toolFingerprint(tool: UpstreamTool): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  return createHash('sha256')
    .update(canonical({ name, title, description, inputSchema, outputSchema, annotations }))
    .digest('hex');
}
