import { Logger } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { assertCurrentScopes } from '../../auth/api-key.guard.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode as McpErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  ResultSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { ServerConnection } from '../../servers/server-connection.js';
import type { ServerRegistry } from '../../servers/server-registry.js';
import type {
  CallerChannel,
  CallOptions,
  McpObject,
  Progress,
  UpstreamNotification,
} from '../upstream-client.js';
import { protocolError } from '../protocol-error.js';
import { missingCapability } from './client-capabilities.js';
import { toMcpError, toolCallFailure } from './downstream-errors.js';
import type { GatewayMcpDeps } from './gateway-mcp-deps.js';
import { passes, type McpLogLevel } from './log-levels.js';
import {
  CALL_TOOL,
  META_TOOL_NAMES,
  META_TOOLS,
  parseCallArgs,
  parseSearchArgs,
  SEARCH_TOOLS,
} from './meta-tools.js';
import { OfferedLists } from './offered-lists.js';
import { ScopeFeatures } from './scope-features.js';
import { StrictParamsServer } from './strict-params-server.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const logger = new Logger('McpSession');

export const GATEWAY_SERVER_INFO = { name: 'mcp-gateway', version: '0.1.0' };

const INSTRUCTIONS =
  'This server is a gateway in front of several MCP servers. ' +
  `Use ${SEARCH_TOOLS} to find a tool by what it does and ${CALL_TOOL} to run it by name; ` +
  'tools that are listed can also be called directly.';

/**
 * The gateway as seen by one MCP client: an SDK Server bound to one scope (the global one,
 * or a gateway session), answering from that scope's catalog and upstream servers. One per
 * client connection, whatever the transport (streamable HTTP, SSE, stdio).
 */
export class GatewayMcpSession {
  readonly server: Server;
  private logLevel?: McpLogLevel;
  private initialized = false;
  private closed = false;
  private readonly subscribed = new Map<string, ServerConnection>();
  private readonly listening = new Map<ServerConnection, () => void>();
  private readonly cleanups: (() => void)[] = [];
  private readonly offered: OfferedLists;

  constructor(
    private readonly deps: GatewayMcpDeps,
    /** The gateway session (X-Session-ID) this client is bound to; undefined is global. */
    readonly scope: string | undefined,
    private readonly registry: ServerRegistry,
  ) {
    this.server = new StrictParamsServer(GATEWAY_SERVER_INFO, {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      instructions: INSTRUCTIONS,
    });
    this.server.oninitialized = () => {
      this.initialized = true;
    };
    this.registerHandlers();
    this.offered = new OfferedLists(() => this.registry.list());
  }

  /** Starts relaying catalog changes and upstream notifications to this client. */
  async start(): Promise<void> {
    const catalog = await this.deps.tools.catalog(this.scope);
    this.cleanups.push(
      catalog.subscribe(() => this.notify(() => this.server.sendToolListChanged())),
    );
    this.cleanups.push(
      this.registry.subscribe(() => {
        this.followServers();
        this.announceListChanges();
      }),
    );
    // A client left on a session that is gone gets its MCP session closed (a 404 for its id,
    // which tells it to start again) rather than an error for every request it sends.
    this.cleanups.push(
      this.registry.onEnd(() => {
        logger.log(`gateway session ${this.scope ?? '(global)'} ended: its MCP session is closed`);
        void this.close();
      }),
    );
    this.followServers();
  }

  /** Idempotent: closing the SDK server closes the transport, which calls back here. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cleanups.splice(0).forEach((undo) => undo());
    [...this.listening.values()].forEach((undo) => undo());
    this.listening.clear();
    const options = this.callOptions();
    await Promise.allSettled(
      [...this.subscribed].map(([uri, server]) =>
        this.deps.subscriptions.release(server, uri, options),
      ),
    );
    this.subscribed.clear();
    await this.server.close().catch(() => undefined);
  }

  private registerHandlers(): void {
    const s = this.server;
    s.setRequestHandler(ListToolsRequestSchema, (request) => {
      refuseCursor(request);
      return this.listTools();
    });
    s.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      this.callTool(request.params.name, request.params.arguments ?? {}, extra),
    );
    s.setRequestHandler(ListResourcesRequestSchema, (request, extra) => {
      refuseCursor(request);
      return this.features(extra, (f) => f.listResources());
    });
    s.setRequestHandler(ListResourceTemplatesRequestSchema, (request, extra) => {
      refuseCursor(request);
      return this.features(extra, (f) => f.listResourceTemplates());
    });
    s.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
      this.features(extra, (f) => f.readResource(request.params)),
    );
    s.setRequestHandler(SubscribeRequestSchema, (request, extra) =>
      this.subscribe(request.params.uri, extra),
    );
    s.setRequestHandler(UnsubscribeRequestSchema, (request, extra) =>
      this.unsubscribe(request.params.uri, extra),
    );
    s.setRequestHandler(ListPromptsRequestSchema, (request, extra) => {
      refuseCursor(request);
      return this.features(extra, (f) => f.listPrompts());
    });
    s.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
      this.features(extra, (f) => f.getPrompt(request.params)),
    );
    s.setRequestHandler(CompleteRequestSchema, (request, extra) =>
      this.features(extra, (f) => f.complete(request.params)),
    );
    // The level filters what this client hears, and is passed on to the servers that log.
    // (The SDK has already checked that it is one of the eight MCP levels.)
    s.setRequestHandler(SetLevelRequestSchema, async (request, extra) => {
      this.logLevel = request.params.level;
      await this.features(extra, (f) => f.setLogLevel(request.params));
      return {};
    });
  }

  private async listTools(): Promise<McpObject> {
    try {
      assertCurrentScopes(['tools:read']);
    } catch (error) {
      throw toMcpError(error);
    }
    const catalog = await this.deps.tools.catalog(this.scope).catch((e: unknown) => {
      throw toMcpError(e);
    });
    // A catalog tool named like a meta-tool stays reachable through call_tool.
    const entries = catalog
      .all()
      .filter((t) => !META_TOOL_NAMES.has(t.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { toolMode, hybridTopK } = this.deps.config.mcpServer;
    let listed = entries;
    if (toolMode === 'search') listed = [];
    if (toolMode === 'hybrid') {
      const top = new Set(
        this.deps.usage.top(
          this.scopeKey,
          entries.map((t) => t.name),
          hybridTopK,
        ),
      );
      listed = entries.filter((t) => top.has(t.name));
    }
    return {
      tools: [...listed.map((t) => ({ ...t.definition, name: t.name })), ...META_TOOLS],
    };
  }

  private async callTool(name: string, args: McpObject, extra: Extra): Promise<McpObject> {
    try {
      assertCurrentScopes([name === SEARCH_TOOLS ? 'tools:read' : 'tools:call']);
    } catch (error) {
      return toolCallFailure(error);
    }
    if (name === SEARCH_TOOLS) return this.searchTools(args);
    if (name === CALL_TOOL) {
      const parsed = parseCallArgs(args);
      if (typeof parsed === 'string') return failure(`${CALL_TOOL}: ${parsed}`);
      return this.callCatalogTool(parsed.name, parsed.arguments, extra);
    }
    return this.callCatalogTool(name, args, extra);
  }

  private async callCatalogTool(name: string, args: McpObject, extra: Extra): Promise<McpObject> {
    const progressToken = extra._meta?.progressToken;
    // Progress goes out before the result does, or the client drops what comes late.
    let progressSent = Promise.resolve();
    const onProgress =
      progressToken === undefined
        ? undefined
        : (progress: Progress) => {
            progressSent = progressSent.then(() =>
              extra
                .sendNotification({
                  method: 'notifications/progress',
                  params: { progressToken, ...progress },
                })
                .catch(() => undefined),
            );
          };
    try {
      const { result, tool_name } = await this.deps.tools.execute(
        {
          toolName: name,
          args,
          signal: extra.signal,
          caller: this.callerFor(extra),
          onProgress,
          progressExtendsTimeout: true,
          door: 'mcp',
        },
        this.scope,
      );
      this.deps.usage.record(this.scopeKey, tool_name);
      await progressSent;
      return result;
    } catch (error) {
      return toolCallFailure(error);
    }
  }

  private async searchTools(args: McpObject): Promise<McpObject> {
    const parsed = parseSearchArgs(args);
    if (typeof parsed === 'string') return failure(`${SEARCH_TOOLS}: ${parsed}`);
    if (!this.deps.search)
      return failure(`${SEARCH_TOOLS}: search is not available in this gateway`);
    try {
      const found = await this.deps.search.search({ ...parsed, door: 'mcp' }, this.scope);
      const answer = {
        query: found.query,
        strategy: found.strategy,
        tools: found.tools.map((t) => ({
          name: t.name,
          server: t.server,
          description: t.description,
          input_schema: t.input_schema,
          score: t.score,
          reasoning: t.reasoning,
        })),
      };
      return {
        content: [{ type: 'text', text: JSON.stringify(answer, null, 2) }],
        structuredContent: answer,
      };
    } catch (error) {
      return toolCallFailure(error);
    }
  }

  /** What an upstream server asks or logs during this call reaches this client, on this request's stream. */
  private callerFor(extra: Extra): CallerChannel {
    return {
      client: this,
      request: (method, params, signal) => {
        const missing = missingCapability(method, params, this.server.getClientCapabilities());
        if (missing) {
          // As the REST door refuses: the upstream server gets its answer now, not at a timeout.
          return Promise.reject(
            protocolError(
              McpErrorCode.InvalidRequest,
              `${method} cannot be relayed: the calling client did not declare ${missing} in its initialize`,
            ),
          );
        }
        return extra.sendRequest({ method, params } as ServerRequest, ResultSchema, {
          signal,
          // A person may be answering an elicitation: the upstream server's own deadline applies.
          timeout: this.deps.config.toolCallTimeoutMaxMs,
        });
      },
      notify: async (method, params) => {
        if (method === 'notifications/message' && !passes(params.level, this.logLevel)) return;
        await extra
          .sendNotification({ method, params } as ServerNotification)
          .catch(() => undefined);
      },
    };
  }

  private async subscribe(uri: string, extra: Extra): Promise<McpObject> {
    if (this.subscribed.has(uri)) return {};
    return this.features(extra, async (f) => {
      const server = await f.ownerOf(uri);
      await this.deps.subscriptions.acquire(server, uri, this.callOptions(extra));
      this.subscribed.set(uri, server);
      return {};
    });
  }

  private async unsubscribe(uri: string, extra: Extra): Promise<McpObject> {
    const server = this.subscribed.get(uri);
    if (!server) return {};
    this.subscribed.delete(uri);
    await this.deps.subscriptions
      .release(server, uri, this.callOptions(extra))
      .catch((e: unknown) => {
        throw toMcpError(e);
      });
    return {};
  }

  private async features<T>(
    extra: Extra,
    run: (features: ScopeFeatures) => Promise<T>,
  ): Promise<T> {
    try {
      // Resources, prompts and completions are reads of the catalog's servers.
      assertCurrentScopes(['tools:read']);
      // Resolved per request: an expired gateway session answers SESSION_NOT_FOUND.
      const registry = await this.deps.scopes.resolve(this.scope);
      const prefix = this.deps.config.mcpServer.toolNamePrefix;
      const options = this.callOptions(extra);
      return await run(new ScopeFeatures(registry, prefix, options, this.deps.listings));
    } catch (error) {
      throw toMcpError(error);
    }
  }

  private callOptions(extra?: Extra): CallOptions {
    return {
      timeoutMs: this.deps.config.toolCallTimeoutMs,
      signal: extra?.signal,
      caller: extra ? this.callerFor(extra) : undefined,
    };
  }

  /** Subscribes to the notifications of every server in scope, as servers come and go. */
  private followServers(): void {
    const current = new Set(this.registry.list());
    for (const [server, undo] of this.listening) {
      if (!current.has(server)) {
        undo();
        this.listening.delete(server);
      }
    }
    for (const server of current) {
      if (this.listening.has(server)) continue;
      this.listening.set(
        server,
        server.onNotification((n) => this.relay(server, n)),
      );
    }
  }

  /**
   * A server that comes or goes changes the merged prompts and resources lists as surely as
   * its own list_changed would; the client hears it once per change, and only for what that
   * server offers.
   */
  private announceListChanges(): void {
    for (const list of this.offered.changed()) {
      this.notify(() =>
        list === 'prompts'
          ? this.server.sendPromptListChanged()
          : this.server.sendResourceListChanged(),
      );
    }
  }

  private relay(server: ServerConnection, notification: UpstreamNotification): void {
    switch (notification.kind) {
      case 'log':
        if (!passes(notification.params.level, this.logLevel)) return;
        return this.notify(() =>
          this.server.notification({
            method: 'notifications/message',
            params: notification.params,
          }),
        );
      case 'resource-updated': {
        const uri = String(notification.params.uri);
        if (this.subscribed.get(uri) !== server) return;
        return this.notify(() => this.server.sendResourceUpdated({ ...notification.params, uri }));
      }
      case 'resources-changed':
        return this.notify(() => this.server.sendResourceListChanged());
      case 'prompts-changed':
        return this.notify(() => this.server.sendPromptListChanged());
    }
  }

  /** Notifications before the handshake completes, or to a client gone, are dropped. */
  private notify(send: () => Promise<void>): void {
    if (!this.initialized) return;
    send().catch(() => undefined);
  }

  private get scopeKey(): string {
    return this.scope ?? 'global';
  }

  /** Marks the handshake as done for a session restored on this replica (see http-sessions). */
  markInitialized(): void {
    this.initialized = true;
  }
}

function failure(message: string): McpObject {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * The gateway answers every list whole and never gives a nextCursor, so a cursor in a list
 * request is one it did not issue. The spec asks for -32602 then; serving the first page again
 * would send a paging client round in a loop or hand it duplicates.
 */
function refuseCursor(request: { params?: { cursor?: string } }): void {
  const cursor = request.params?.cursor;
  if (cursor === undefined) return;
  throw protocolError(
    McpErrorCode.InvalidParams,
    `Invalid params: unknown cursor ${JSON.stringify(cursor.slice(0, 100))} (this server does not paginate its lists)`,
  );
}
