import { Logger } from '@nestjs/common';
import { errorMessage } from '../../common/errors/error-message.js';
import type { ServerConnection } from '../../servers/server-connection.js';
import type { McpObject } from '../upstream-client.js';

// A server that pages forever must not hang a list.
const MAX_PAGES = 20;

const MAX_WARNINGS_KEPT = 1000;

export type ListKind = 'resources' | 'templates' | 'prompts';

const LISTS = {
  resources: { method: 'resources/list', key: 'resources' },
  templates: { method: 'resources/templates/list', key: 'resourceTemplates' },
  prompts: { method: 'prompts/list', key: 'prompts' },
} as const;

export interface Listed {
  server: ServerConnection;
  items: McpObject[];
}

/** A server's last answer to one list, for the connection it came on. */
interface Listing {
  connection: number;
  /** Undefined: the list failed or went unanswered. */
  items?: McpObject[];
}

const logger = new Logger('McpLists');

/**
 * What every upstream server listed last (resources, templates, prompts), shared by the MCP
 * clients. A read, subscribe, prompts/get or completion finds its server here instead of
 * listing every server again, so one server that never answers its lists costs a request
 * nothing once it has been asked; a miss, or the server's list_changed, lists again. Each
 * server gets `budgetMs` for a list (MCP_LIST_TIMEOUT_MS, never above the tool-call timeout):
 * a list is metadata.
 */
export class FeatureListings {
  private readonly servers = new WeakMap<ServerConnection, ServerLists>();
  private readonly warned = new Set<string>();

  constructor(private readonly budgetMs: number) {}

  /**
   * Every server's items of one kind, as the servers that answered in time listed them.
   * `fresh`: lists every server again (a client's own list request, or a miss); otherwise
   * a server is asked only when nothing is known of its current connection.
   */
  async list(servers: ServerConnection[], kind: ListKind, fresh: boolean): Promise<Listed[]> {
    const listings = await Promise.all(
      servers.map(async (server) => {
        const known = this.of(server).listings.get(kind);
        const current = known?.connection === server.connectionCount ? known : undefined;
        const listing = current && !fresh ? current : await this.listAgain(server, kind);
        return listing.items ? [{ server, items: listing.items }] : [];
      }),
    );
    return listings.flat();
  }

  /** One list per server and kind in flight, whatever the number of requests that need it. */
  private listAgain(server: ServerConnection, kind: ListKind) {
    const lists = this.of(server);
    let pending = lists.inFlight.get(kind);
    if (!pending) {
      const mine: Promise<Listing> = this.fetch(server, kind).finally(() => {
        if (lists.inFlight.get(kind) === mine) lists.inFlight.delete(kind);
      });
      lists.inFlight.set(kind, mine);
      pending = mine;
    }
    return pending;
  }

  private async fetch(server: ServerConnection, kind: ListKind): Promise<Listing> {
    const lists = this.of(server);
    const changes = lists.changes;
    const connection = server.connectionCount;
    const { method, key } = LISTS[kind];
    const deadline = Date.now() + this.budgetMs;
    let listing: Listing;
    try {
      const items: McpObject[] = [];
      let cursor: unknown;
      for (let page = 0; page < MAX_PAGES; page++) {
        const timeoutMs = Math.max(1, deadline - Date.now());
        const params = cursor ? { cursor } : {};
        // Shared by every request waiting on it: no one caller's cancellation ends it, and no
        // caller is named, so a server request made meanwhile (sampling...) is refused rather
        // than sent to whichever client happened to ask first.
        const result = await server.forward(method, params, { timeoutMs });
        items.push(...((result[key] as McpObject[] | undefined) ?? []));
        cursor = result.nextCursor;
        if (typeof cursor !== 'string') break;
      }
      listing = { connection, items };
      this.answered(server, kind);
    } catch (error) {
      listing = { connection };
      this.unanswered(server, kind, method, error);
    }
    // A list_changed that arrived meanwhile makes this answer stale: it is not remembered.
    if (lists.changes === changes) lists.listings.set(kind, listing);
    return listing;
  }

  /** A warning about what servers list (a URI listed twice), once however often it is listed. */
  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    // Bounded: a scope with servers that come and go must not grow this forever.
    if (this.warned.size >= MAX_WARNINGS_KEPT) this.warned.clear();
    this.warned.add(message);
    logger.warn(message);
  }

  private unanswered(server: ServerConnection, kind: ListKind, method: string, error: unknown) {
    const failing = this.of(server).failing;
    if (failing.size === 0) {
      logger.warn(
        `server '${server.name}' did not answer ${method} (${errorMessage(error)}); the MCP door's merged lists leave it out until it answers`,
      );
    }
    failing.add(kind);
  }

  private answered(server: ServerConnection, kind: ListKind): void {
    const failing = this.of(server).failing;
    if (!failing.delete(kind) || failing.size > 0) return;
    logger.log(`server '${server.name}' answers its lists again`);
  }

  private of(server: ServerConnection): ServerLists {
    let lists = this.servers.get(server);
    if (!lists) {
      const created = new ServerLists();
      // Lives as long as the server does: the listener is held by the server itself.
      server.onNotification((n) => {
        if (n.kind === 'resources-changed') created.forget(['resources', 'templates']);
        if (n.kind === 'prompts-changed') created.forget(['prompts']);
      });
      this.servers.set(server, created);
      lists = created;
    }
    return lists;
  }
}

class ServerLists {
  readonly listings = new Map<ListKind, Listing>();
  readonly inFlight = new Map<ListKind, Promise<Listing>>();
  /** Lists it failed to answer: logged when the first fails, and when all answer again. */
  readonly failing = new Set<ListKind>();
  /** list_changed notifications so far. */
  changes = 0;

  forget(kinds: ListKind[]): void {
    this.changes++;
    for (const kind of kinds) {
      this.listings.delete(kind);
      this.inFlight.delete(kind);
    }
  }
}
