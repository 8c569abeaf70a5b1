import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/canonical-json.js';
import type { UpstreamTool } from '../../mcp/upstream-client.js';

/**
 * What an agent trusts about a tool: its name, title, description, schemas and annotations.
 * A server that changes any of them after the first sighting changes the fingerprint.
 */
export function toolFingerprint(tool: UpstreamTool): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  return createHash('sha256')
    .update(canonicalJson({ name, title, description, inputSchema, outputSchema, annotations }))
    .digest('hex');
}
