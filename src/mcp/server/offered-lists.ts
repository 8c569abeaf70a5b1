import type { ServerConnection } from '../../servers/server-connection.js';

/** The merged lists a scope's servers feed, besides tools (whose catalog says when it changes). */
export type OfferedList = 'prompts' | 'resources';

const LISTS: OfferedList[] = ['prompts', 'resources'];

/**
 * Tells when a scope's merged prompts or resources list changed because a server came or went:
 * added or removed, connected or lost, or reconnected (a new connection may list other items).
 * Such a list is made of the connections that are up and declared the feature, so it changed
 * exactly when that set did. A server's own list_changed is relayed as it comes, not here.
 */
export class OfferedLists {
  private last: Record<OfferedList, string>;

  constructor(private readonly servers: () => ServerConnection[]) {
    this.last = this.now();
  }

  /** The lists whose servers differ from the last look; each is reported once per change. */
  changed(): OfferedList[] {
    const now = this.now();
    const changed = LISTS.filter((list) => now[list] !== this.last[list]);
    this.last = now;
    return changed;
  }

  private now(): Record<OfferedList, string> {
    const offering = (list: OfferedList) =>
      this.servers()
        .filter((s) => s.status === 'connected' && s.capabilities[list] !== undefined)
        .map((s) => `${s.uuid}#${s.connectionCount}`)
        .join(',');
    return { prompts: offering('prompts'), resources: offering('resources') };
  }
}
