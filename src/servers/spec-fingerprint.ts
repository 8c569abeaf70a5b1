import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';
import type { ServerSpec } from './server-spec.js';

/**
 * A stable hash of a spec, secrets included: equal specs give equal hashes whatever the order
 * of their keys, so a replica can tell that a session's server of one name now means another
 * server (removed and added again with a new URL or new headers) and must be reconnected.
 */
export function specFingerprint(spec: ServerSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}
