import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { ServerConnection } from '../../servers/server-connection.js';
import type { ServerRegistry } from '../../servers/server-registry.js';
import { scopeToolNames, type ToolNamePrefix } from '../../tools/tool-naming.js';
import type { CallOptions, McpObject, UpstreamCapabilities } from '../upstream-client.js';
import type { FeatureListings, ListKind, Listed } from './feature-listings.js';
import { RESOURCE_NOT_FOUND } from './downstream-errors.js';
import { protocolError } from '../protocol-error.js';

type Feature = keyof Pick<
  UpstreamCapabilities,
  'resources' | 'prompts' | 'completions' | 'logging'
>;

/**
 * Resources, prompts, completion and logging of the upstream servers of one scope, merged
 * for the MCP door. Prompt names follow TOOL_NAME_PREFIX like tool names; resource URIs stay
 * as the servers wrote them (tool results and prompts embed them unchanged), so a URI is
 * routed to the server that lists it or whose template matches it. When several servers list
 * the same URI (or template), the first of them in the scope's order (the servers file's, then
 * servers added) serves it, and the duplicate is logged: a URI cannot say which one it means.
 */
export class ScopeFeatures {
  constructor(
    private readonly registry: ServerRegistry,
    private readonly prefix: ToolNamePrefix,
    private readonly options: CallOptions,
    private readonly listings: FeatureListings,
  ) {}

  async listResources(): Promise<McpObject> {
    const listed = await this.listAll('resources', true);
    this.warnOfDuplicates(listed, 'uri', 'resource URI');
    return { resources: this.renamed(listed) };
  }

  async listResourceTemplates(): Promise<McpObject> {
    const listed = await this.listAll('templates', true);
    this.warnOfDuplicates(listed, 'uriTemplate', 'resource template');
    return { resourceTemplates: this.renamed(listed) };
  }

  async readResource(params: McpObject): Promise<McpObject> {
    const server = await this.ownerOf(String(params.uri));
    return server.forward('resources/read', params, this.options);
  }

  async listPrompts(): Promise<McpObject> {
    const listed = await this.listAll('prompts', true);
    return { prompts: this.renamed(listed) };
  }

  async getPrompt(params: McpObject): Promise<McpObject> {
    const { server, name } = await this.promptOwner(String(params.name));
    return server.forward('prompts/get', { ...params, name }, this.options);
  }

  /** Completion of a prompt argument or of a resource template variable, at its server. */
  async complete(params: McpObject): Promise<McpObject> {
    const ref = (params.ref ?? {}) as McpObject;
    let server: ServerConnection | undefined;
    let forwardedRef = ref;
    if (ref.type === 'ref/prompt') {
      const owner = await this.promptOwner(String(ref.name));
      server = owner.server;
      forwardedRef = { ...ref, name: owner.name };
    } else {
      server = await this.templateOwner(String(ref.uri));
    }
    if (!server?.capabilities.completions) return { completion: { values: [] } };
    return server.forward('completion/complete', { ...params, ref: forwardedRef }, this.options);
  }

  /** Every server that logs hears the level; one that refuses it does not fail the others. */
  async setLogLevel(params: McpObject): Promise<void> {
    await Promise.allSettled(
      this.serversWith('logging').map((s) => s.forward('logging/setLevel', params, this.options)),
    );
  }

  serversWith(feature: Feature): ServerConnection[] {
    return this.registry
      .list()
      .filter((s) => s.status === 'connected' && s.capabilities[feature] !== undefined);
  }

  /**
   * One kind of list from every server that has the feature; the servers that did not answer
   * within the list budget are left out. `fresh: false` takes what each server listed last.
   */
  private listAll(kind: ListKind, fresh: boolean): Promise<Listed[]> {
    const feature = kind === 'prompts' ? 'prompts' : 'resources';
    return this.listings.list(this.serversWith(feature), kind, fresh);
  }

  /**
   * The first server (in scope order) whose listing has a matching item: from what the servers
   * listed last, then, on a miss, from a fresh list (a new item, a server that was down).
   */
  private async firstListing(
    kind: ListKind,
    has: (item: McpObject) => boolean,
  ): Promise<ServerConnection | undefined> {
    for (const fresh of [false, true]) {
      const listed = await this.listAll(kind, fresh);
      const found = listed.find(({ items }) => items.some(has));
      if (found) return found.server;
    }
    return undefined;
  }

  private warnOfDuplicates(listed: Listed[], field: string, what: string): void {
    const servers = new Map<string, string[]>();
    for (const { server, items } of listed) {
      for (const value of new Set(items.map((i) => String(i[field])))) {
        servers.set(value, [...(servers.get(value) ?? []), server.name]);
      }
    }
    for (const [value, names] of servers) {
      if (names.length < 2) continue;
      this.listings.warnOnce(
        `${what} ${value} is listed by servers ${names.join(', ')}; requests for it go to '${names[0]}'`,
      );
    }
  }

  /** Items with their `name` namespaced as tool names are. */
  private renamed(listed: Listed[]): McpObject[] {
    const names = this.namesOf(listed);
    return listed.flatMap(({ server, items }) =>
      items.map((item) => ({
        ...item,
        name: names.get(server.name)?.get(String(item.name)) ?? item.name,
      })),
    );
  }

  private namesOf(listed: Listed[]): Map<string, Map<string, string>> {
    return scopeToolNames(
      listed.map(({ server, items }) => ({
        server: server.name,
        tools: items.map((i) => String(i.name)),
      })),
      this.prefix,
    );
  }

  private async promptOwner(name: string): Promise<{ server: ServerConnection; name: string }> {
    // Shown names depend on every server's list (TOOL_NAME_PREFIX auto), so they are worked
    // out over the whole listing, last known first, then fresh.
    for (const fresh of [false, true]) {
      const listed = await this.listAll('prompts', fresh);
      const names = this.namesOf(listed);
      for (const { server } of listed) {
        for (const [original, shown] of names.get(server.name) ?? []) {
          if (shown === name) return { server, name: original };
        }
      }
    }
    throw protocolError(McpErrorCode.InvalidParams, `Prompt '${name}' not found`);
  }

  /**
   * The server of a URI: the only server with resources, else the first listing the URI,
   * else the first whose template matches it.
   */
  async ownerOf(uri: string): Promise<ServerConnection> {
    const servers = this.serversWith('resources');
    if (servers.length === 1) return servers[0];
    const owner =
      (await this.firstListing('resources', (r) => r.uri === uri)) ??
      (await this.firstListing('templates', (t) => matches(String(t.uriTemplate), uri)));
    if (owner) return owner;
    throw protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
  }

  private async templateOwner(uriTemplate: string): Promise<ServerConnection | undefined> {
    const servers = this.serversWith('resources');
    if (servers.length <= 1) return servers[0];
    return this.firstListing('templates', (t) => t.uriTemplate === uriTemplate);
  }
}

function matches(template: string, uri: string): boolean {
  try {
    return new UriTemplate(template).match(uri) !== null;
  } catch {
    return false;
  }
}
