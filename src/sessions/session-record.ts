import type { NamedSpec } from '../servers/server-spec.parser.js';

/**
 * What a store keeps of a session; enough for any replica, or this one after a restart, to
 * rebuild its connections. `servers` holds the specs added at run time, secrets included:
 * stores keep them, answers never show them.
 */
export interface SessionRecord {
  id: string;
  createdAt: number;
  lastActiveAt: number;
  expiresAt: number;
  metadata: Record<string, unknown>;
  servers: NamedSpec[];
  /**
   * Servers of the servers file removed from this session: without them every replica, and
   * this one after a restart, would connect them again from the file. Absent in older records.
   */
  removedFileServers?: string[];
  /** The API key id that created it; other keys (but admin) cannot see it. */
  owner?: string;
  /** Bumped on every change to `servers` or `removedFileServers`, so a replica can tell its copy is stale. */
  revision: number;
}
