import type { ServerConnection } from '../../servers/server-connection.js';
import type { CallOptions } from '../upstream-client.js';

/**
 * Resource subscriptions of every MCP client, counted per upstream connection and URI: the
 * server hears `subscribe` from the first client and `unsubscribe` after the last, so one
 * client leaving never silences another's updates on a shared connection.
 */
export class ResourceSubscriptions {
  private readonly counts = new WeakMap<ServerConnection, Map<string, number>>();

  async acquire(server: ServerConnection, uri: string, options: CallOptions): Promise<void> {
    const counts = this.countsOf(server);
    const before = counts.get(uri) ?? 0;
    counts.set(uri, before + 1);
    if (before > 0 || !server.capabilities.resources?.subscribe) return;
    try {
      await server.forward('resources/subscribe', { uri }, options);
    } catch (error) {
      this.drop(server, uri);
      throw error;
    }
  }

  async release(server: ServerConnection, uri: string, options: CallOptions): Promise<void> {
    if (!this.drop(server, uri) || !server.capabilities.resources?.subscribe) return;
    await server.forward('resources/unsubscribe', { uri }, options);
  }

  /** Decrements; true when nobody holds the URI anymore. */
  private drop(server: ServerConnection, uri: string): boolean {
    const counts = this.countsOf(server);
    const left = (counts.get(uri) ?? 0) - 1;
    if (left > 0) {
      counts.set(uri, left);
      return false;
    }
    counts.delete(uri);
    return left === 0;
  }

  private countsOf(server: ServerConnection): Map<string, number> {
    let counts = this.counts.get(server);
    if (!counts) {
      counts = new Map();
      this.counts.set(server, counts);
    }
    return counts;
  }
}
