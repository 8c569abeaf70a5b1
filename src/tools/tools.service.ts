import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import type { CallerChannel, CallOptions, ToolResult } from '../mcp/upstream-client.js';
import { ScopeRegistries } from '../servers/scope-registries.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import { ArgumentValidator } from './argument-validator.js';
import { ToolCatalog, type CatalogTool } from './tool-catalog.js';
import { namespaceTools } from './tool-naming.js';

export interface ToolView {
  name: string;
  server: string;
  tool: string;
  title?: string;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface ExecuteRequest {
  toolName: string;
  args?: Record<string, unknown>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Progress the server reports during the call (the MCP door relays it to its client). */
  onProgress?: CallOptions['onProgress'];
  /** The MCP client to relay the server's sampling/elicitation requests and logs to. */
  caller?: CallerChannel;
}

export interface ExecuteResult {
  tool_name: string;
  server: string;
  result: ToolResult;
  took_ms: number;
}

/** The catalog and tool execution, for every door (REST, MCP, queue). */
@Injectable()
export class ToolsService {
  private readonly catalogs = new WeakMap<ServerRegistry, ToolCatalog>();

  constructor(
    private readonly scopes: ScopeRegistries,
    private readonly validator: ArgumentValidator,
    private readonly config: GatewayConfig,
  ) {
    scopes.useToolNames((registry, server) => this.catalogOf(registry).namesOf(server));
  }

  async catalog(sessionId?: string): Promise<ToolCatalog> {
    return this.catalogOf(await this.scopes.resolve(sessionId));
  }

  catalogOf(registry: ServerRegistry): ToolCatalog {
    let catalog = this.catalogs.get(registry);
    if (!catalog) {
      catalog = new ToolCatalog(registry, this.config.mcpServer.toolNamePrefix);
      this.catalogs.set(registry, catalog);
    }
    return catalog;
  }

  async list(sessionId?: string): Promise<ToolView[]> {
    const catalog = await this.catalog(sessionId);
    return catalog
      .all()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(toolView);
  }

  async execute(request: ExecuteRequest, sessionId?: string): Promise<ExecuteResult> {
    const registry = await this.scopes.resolve(sessionId);
    const tool = this.resolve(registry, request.toolName);
    const args = request.args ?? {};
    this.validator.assertValid(tool.name, tool.definition.inputSchema, args);
    const server = registry.find({ name: tool.server });
    if (!server)
      throw new GatewayError(ErrorCode.TOOL_NOT_FOUND, `Tool '${request.toolName}' not found`);
    const timeoutMs = Math.min(
      request.timeoutMs ?? this.config.toolCallTimeoutMs,
      this.config.toolCallTimeoutMaxMs,
    );
    const started = performance.now();
    const result = await server.callTool(tool.tool, args, {
      timeoutMs,
      signal: request.signal,
      onProgress: request.onProgress,
      caller: request.caller,
    });
    return {
      tool_name: tool.name,
      server: tool.server,
      result,
      took_ms: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  /** A namespaced name, or a bare upstream name when it is unique in scope. */
  resolve(registry: ServerRegistry, name: string): CatalogTool {
    const catalog = this.catalogOf(registry);
    const exact = catalog.get(name);
    if (exact) return exact;
    const candidates = catalog.withBareName(name);
    if (candidates.length === 1) return catalog.get(candidates[0])!;
    if (candidates.length > 1) {
      throw new GatewayError(
        ErrorCode.TOOL_AMBIGUOUS,
        `Tool name '${name}' is offered by several servers; use one of: ${candidates.join(', ')}`,
        { candidates },
      );
    }
    this.throwIfServerDown(registry, name);
    throw new GatewayError(
      ErrorCode.TOOL_NOT_FOUND,
      `Tool '${name}' not found in this scope (GET /mcp/tools lists them)`,
    );
  }

  /** A tool of a server that is down is "unavailable" (502), which says more than "not found". */
  private throwIfServerDown(registry: ServerRegistry, name: string): void {
    for (const server of registry.list()) {
      if (server.status === 'connected') continue;
      const names = namespaceTools(
        server.name,
        server.tools.map((t) => t.name),
      );
      if ([...names.entries()].some(([bare, full]) => full === name || bare === name)) {
        throw new GatewayError(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Server '${server.name}' is ${server.status}${server.error ? `: ${server.error}` : ''}`,
        );
      }
    }
  }
}

export function toolView(tool: CatalogTool): ToolView {
  const d = tool.definition;
  return {
    name: tool.name,
    server: tool.server,
    tool: tool.tool,
    ...(d.title ? { title: d.title } : {}),
    description: d.description ?? '',
    input_schema: d.inputSchema,
    ...(d.outputSchema ? { output_schema: d.outputSchema } : {}),
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}
