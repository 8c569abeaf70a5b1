import { createHash } from 'node:crypto';
import type { ServerSpec } from './server-spec.js';

/**
 * A stable hash of a spec, secrets included: equal specs give equal hashes whatever the order
 * of their keys, so a replica can tell that a session's server of one name now means another
 * server (removed and added again with a new URL or new headers) and must be reconnected.
 */
export function specFingerprint(spec: ServerSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** JSON with object keys sorted (undefined members left out, as JSON.stringify does). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
