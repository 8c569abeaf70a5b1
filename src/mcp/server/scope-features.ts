import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { ServerConnection } from '../../servers/server-connection.js';
import type { ServerRegistry } from '../../servers/server-registry.js';
import { scopeToolNames, type ToolNamePrefix } from '../../tools/tool-naming.js';
import type { CallOptions, McpObject, UpstreamCapabilities } from '../upstream-client.js';
import { RESOURCE_NOT_FOUND } from './downstream-errors.js';
import { protocolError } from '../protocol-error.js';

// A server that pages forever must not hang a list.
const MAX_PAGES = 20;

type Feature = keyof Pick<
  UpstreamCapabilities,
  'resources' | 'prompts' | 'completions' | 'logging'
>;

interface Listed {
  server: ServerConnection;
  items: McpObject[];
}

/**
 * Resources, prompts, completion and logging of the upstream servers of one scope, merged
 * for the MCP door. Prompt names follow TOOL_NAME_PREFIX like tool names; resource URIs stay
 * as the servers wrote them (tool results and prompts embed them unchanged), so a URI is
 * routed to the server that lists it or whose template matches it.
 */
export class ScopeFeatures {
  constructor(
    private readonly registry: ServerRegistry,
    private readonly prefix: ToolNamePrefix,
    private readonly options: CallOptions,
  ) {}

  async listResources(): Promise<McpObject> {
    const listed = await this.listAll('resources', 'resources/list', 'resources');
    return { resources: this.renamed(listed) };
  }

  async listResourceTemplates(): Promise<McpObject> {
    const listed = await this.listAll('resources', 'resources/templates/list', 'resourceTemplates');
    return { resourceTemplates: this.renamed(listed) };
  }

  async readResource(params: McpObject): Promise<McpObject> {
    const server = await this.ownerOf(String(params.uri));
    return server.forward('resources/read', params, this.options);
  }

  async listPrompts(): Promise<McpObject> {
    const listed = await this.listAll('prompts', 'prompts/list', 'prompts');
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

  private async listAll(
    feature: Feature,
    method: 'resources/list' | 'resources/templates/list' | 'prompts/list',
    key: string,
  ): Promise<Listed[]> {
    const results = await Promise.allSettled(
      this.serversWith(feature).map(async (server) => {
        const items: McpObject[] = [];
        let cursor: unknown;
        for (let page = 0; page < MAX_PAGES; page++) {
          const result = await server.forward(method, cursor ? { cursor } : {}, this.options);
          items.push(...((result[key] as McpObject[] | undefined) ?? []));
          cursor = result.nextCursor;
          if (typeof cursor !== 'string') break;
        }
        return { server, items };
      }),
    );
    // One server that fails its list must not hide the others' items.
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
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
    const listed = await this.listAll('prompts', 'prompts/list', 'prompts');
    const names = this.namesOf(listed);
    for (const { server } of listed) {
      for (const [original, shown] of names.get(server.name) ?? []) {
        if (shown === name) return { server, name: original };
      }
    }
    throw protocolError(McpErrorCode.InvalidParams, `Prompt '${name}' not found`);
  }

  /**
   * The server of a URI: the only server with resources, else the one listing the URI,
   * else one whose template matches it.
   */
  async ownerOf(uri: string): Promise<ServerConnection> {
    const servers = this.serversWith('resources');
    if (servers.length === 1) return servers[0];
    const listed = await this.listAll('resources', 'resources/list', 'resources');
    const exact = listed.find(({ items }) => items.some((r) => r.uri === uri));
    if (exact) return exact.server;
    const templates = await this.listAll(
      'resources',
      'resources/templates/list',
      'resourceTemplates',
    );
    const matching = templates.find(({ items }) =>
      items.some((t) => matches(String(t.uriTemplate), uri)),
    );
    if (matching) return matching.server;
    throw protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
  }

  private async templateOwner(uriTemplate: string): Promise<ServerConnection | undefined> {
    const servers = this.serversWith('resources');
    if (servers.length <= 1) return servers[0];
    const templates = await this.listAll(
      'resources',
      'resources/templates/list',
      'resourceTemplates',
    );
    return templates.find(({ items }) => items.some((t) => t.uriTemplate === uriTemplate))?.server;
  }
}

function matches(template: string, uri: string): boolean {
  try {
    return new UriTemplate(template).match(uri) !== null;
  } catch {
    return false;
  }
}
