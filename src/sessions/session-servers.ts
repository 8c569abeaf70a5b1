import type { ServerSource } from '../servers/server-connection.js';
import type { NamedSpec } from '../servers/server-spec.parser.js';
import type { SessionRecord } from './session-record.js';

export interface SessionServer extends NamedSpec {
  source: ServerSource;
}

/**
 * The servers a session holds by its record: the servers file's, less those removed from the
 * session, then the ones added at run time (which may reuse the name of a removed file server).
 */
export function sessionServers(
  record: Pick<SessionRecord, 'servers' | 'removedFileServers'>,
  fileSpecs: NamedSpec[],
): SessionServer[] {
  const added = new Set(record.servers.map((s) => s.name));
  const removed = new Set(record.removedFileServers ?? []);
  const fromFile = fileSpecs.filter((s) => !removed.has(s.name) && !added.has(s.name));
  return [
    ...fromFile.map((s): SessionServer => ({ ...s, source: 'config' })),
    ...record.servers.map((s): SessionServer => ({ ...s, source: 'api' })),
  ];
}
