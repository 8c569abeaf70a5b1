import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import type {
  CallerChannel,
  CallOptions,
  ToolResult,
  UpstreamTool,
} from '../mcp/upstream-client.js';
import { ScopeRegistries } from '../servers/scope-registries.js';
import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import { UsageRecorder } from '../analytics/usage-recorder.js';
import { UNKNOWN_TOOL_KEY } from '../analytics/usage-cells.js';
import { CallLimiter } from '../auth/call-limiter.js';
import { ToolRateLimit } from '../auth/rate-limit/tool-rate-limit.js';
import { ArgumentValidator } from './argument-validator.js';
import { ServerCallSlots } from './server-call-slots.js';
import { ToolAdmission } from './pinning/tool-admission.js';
import { ToolCatalog, type CatalogTool } from './tool-catalog.js';
import { MissingToolError, missingToolError } from './missing-tool-error.js';

export type Door = 'rest' | 'mcp' | 'queue';

/** A tool definition as answers show it. */
export interface DefinitionView {
  title?: string;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface ToolView extends DefinitionView {
  name: string;
  server: string;
  tool: string;
}

export interface QuarantinedToolView extends ToolView {
  /** The definition served before the change, when this process saw it. */
  pinned_definition?: DefinitionView;
}

export interface ExecuteRequest {
  toolName: string;
  args?: Record<string, unknown>;
  timeoutMs?: number;
  /**
   * Progress the server reports restarts the timeout, up to TOOL_CALL_TIMEOUT_MAX_MS in all:
   * the MCP door, whose clients cannot ask for a longer timeout, relies on it for long calls.
   */
  progressExtendsTimeout?: boolean;
  signal?: AbortSignal;
  /** Progress the server reports during the call (the MCP door relays it to its client). */
  onProgress?: CallOptions['onProgress'];
  /** The MCP client to relay the server's sampling/elicitation requests and logs to. */
  caller?: CallerChannel;
  /** Which door the call came through, for usage analytics. */
  door?: Door;
}

/** What a call's usage record counts it under, filled in as the call resolves. */
interface CallUsage {
  tool: string;
  server: string;
  sessionId?: string;
  door: Door;
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
    private readonly limiter: CallLimiter,
    private readonly usage: UsageRecorder,
    private readonly admission: ToolAdmission,
    private readonly rateLimit: ToolRateLimit,
    private readonly serverSlots: ServerCallSlots,
  ) {
    scopes.useToolNames((registry, server) => {
      const catalog = this.catalogOf(registry);
      return { listed: catalog.namesOf(server), quarantined: catalog.quarantinedNamesOf(server) };
    });
  }

  async catalog(sessionId?: string): Promise<ToolCatalog> {
    return this.catalogOf(await this.scopes.resolve(sessionId));
  }

  catalogOf(registry: ServerRegistry): ToolCatalog {
    let catalog = this.catalogs.get(registry);
    if (!catalog) {
      catalog = new ToolCatalog(registry, this.config.mcpServer.toolNamePrefix, this.admission);
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

  /**
   * Runs a tool for any door: bounded concurrency, the per-tool rate limit, argument
   * validation, timeout, a cap on what is relayed back, and one usage record whatever the
   * outcome.
   */
  async execute(request: ExecuteRequest, sessionId?: string): Promise<ExecuteResult> {
    const started = performance.now();
    // Named after the tool once it resolves; until then the caller's name is not a key.
    const usage: CallUsage = { tool: UNKNOWN_TOOL_KEY, server: '', door: request.door ?? 'rest' };
    let release: (() => void) | undefined;
    try {
      // Taken before the scope is resolved: opening a session's servers can take up to
      // SERVER_CONNECT_TIMEOUT_MS, and calls waiting there are calls in flight too.
      release = this.acquireLabelled(request.toolName, sessionId, usage);
      const registry = await this.scopes.resolve(sessionId);
      // Only a session the caller may use is a key: made-up ids, or another key's, would
      // fill the session cap (or show as another caller's errors).
      usage.sessionId = sessionId;
      const tool = this.resolveCounted(registry, request.toolName, usage);
      const outcome = await this.run(request, registry, tool);
      this.usage.recordToolCall({
        ...usage,
        durationMs: performance.now() - started,
        outcome: outcome.result.isError ? 'tool_error' : 'ok',
      });
      return outcome;
    } catch (error) {
      this.usage.recordToolCall({
        ...usage,
        durationMs: performance.now() - started,
        outcome: 'error',
        errorCode: error instanceof GatewayError ? error.code : ErrorCode.INTERNAL,
      });
      throw error;
    } finally {
      release?.();
    }
  }

  /**
   * A call slot; a call refused for load is counted under its tool where that is known at
   * once (the global scope), so the refusals show where they happen.
   */
  private acquireLabelled(name: string, sessionId: string | undefined, usage: CallUsage) {
    try {
      return this.limiter.acquire();
    } catch (error) {
      if (sessionId === undefined) {
        try {
          this.resolveCounted(this.scopes.global, name, usage);
        } catch {
          // Not a tool of the scope: counted as unknown.
        }
      }
      throw error;
    }
  }

  /**
   * resolve(), naming the usage record after the tool; or, for a name missing because its
   * server is down, after that server (and the tool's name in its last listing), so a
   * server's failures show under it. Never after the caller's own string.
   */
  private resolveCounted(registry: ServerRegistry, name: string, usage: CallUsage): CatalogTool {
    try {
      const tool = this.resolve(registry, name, usage.door);
      usage.tool = tool.name;
      usage.server = tool.server;
      return tool;
    } catch (error) {
      const owner = error instanceof MissingToolError ? error.owner : undefined;
      if (owner) {
        usage.tool = owner.tool ?? UNKNOWN_TOOL_KEY;
        usage.server = owner.server.name;
      }
      throw error;
    }
  }

  private async run(
    request: ExecuteRequest,
    registry: ServerRegistry,
    tool: CatalogTool,
  ): Promise<ExecuteResult> {
    // Counted here, by the resolved name, so that every door and every spelling of the
    // name (bare, full, through call_tool, in a batch) draws on the one budget.
    const charging = this.rateLimit.charge(tool.name);
    if (charging) await charging;
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
    const releaseServer = this.serverSlots.acquire(server);
    let result: ToolResult;
    try {
      result = await server.callTool(tool.tool, args, {
        timeoutMs,
        maxTotalTimeoutMs: request.progressExtendsTimeout
          ? this.config.toolCallTimeoutMaxMs
          : undefined,
        signal: request.signal,
        onProgress: request.onProgress,
        caller: request.caller,
      });
    } catch (error) {
      throw cutOffError(registry, server, tool, registry === this.scopes.global) ?? error;
    } finally {
      releaseServer();
    }
    this.assertRelayable(tool, result);
    // MCP lets a server leave isError out when false; API.md promises it on the REST and
    // queue answers, so their callers need not know the protocol's default. The MCP door
    // relays the result as the server sent it.
    if (request.door !== 'mcp') result.isError ??= false;
    return {
      tool_name: tool.name,
      server: tool.server,
      result,
      took_ms: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  /**
   * Tools held back because their definition changed since it was pinned, each with the
   * definition it was served with before, when this process saw it.
   */
  async quarantined(sessionId?: string): Promise<QuarantinedToolView[]> {
    return (await this.catalog(sessionId)).allQuarantined().map((tool) => {
      const view: QuarantinedToolView = toolView(tool);
      if (tool.pinned) view.pinned_definition = definitionView(tool.pinned);
      return view;
    });
  }

  /** An admin accepts a quarantined tool's new definition; it is listed and callable again. */
  async approve(name: string, sessionId?: string): Promise<ToolView> {
    const registry = await this.scopes.resolve(sessionId);
    const tool = quarantinedNamed(this.catalogOf(registry), name);
    const server = tool && registry.find({ name: tool.server });
    if (!tool || !server) {
      throw new GatewayError(
        ErrorCode.TOOL_NOT_FOUND,
        `No quarantined tool named '${name}' in this scope`,
      );
    }
    await this.admission.pins.approve(server.name, server.spec, tool.definition);
    return toolView(tool);
  }

  /** A server cannot make the gateway relay (and hold in memory) an unbounded answer. */
  private assertRelayable(tool: CatalogTool, result: ToolResult): void {
    const limit = this.config.security.maxToolResultBytes;
    let text: string;
    try {
      text = JSON.stringify(result);
    } catch (error) {
      // JSON.parse reads any depth; writing a result nested some thousands of levels deep
      // overflows the stack here, and would in every door's answer after.
      if (!(error instanceof RangeError)) throw error;
      throw new GatewayError(
        ErrorCode.RESULT_TOO_LARGE,
        `The result of '${tool.name}' is nested too deeply to relay`,
      );
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > limit) {
      throw new GatewayError(
        ErrorCode.RESULT_TOO_LARGE,
        `The result of '${tool.name}' is ${bytes} bytes, over MAX_TOOL_RESULT_BYTES (${limit})`,
      );
    }
  }

  /**
   * A catalog name, the `<server>__<tool>` form of one under TOOL_NAME_PREFIX auto/never, or
   * a bare upstream name when it is unique in scope.
   */
  resolve(registry: ServerRegistry, name: string, door: Door = 'rest'): CatalogTool {
    const catalog = this.catalogOf(registry);
    const exact = catalog.get(name);
    if (exact) return exact;
    // A full name two tools share ("a" + "b__x", "a__b" + "x") is as ambiguous as a bare one.
    const qualified = catalog.withQualifiedName(name);
    const candidates = qualified.length > 0 ? qualified : catalog.withBareName(name);
    if (candidates.length === 1) return catalog.get(candidates[0])!;
    if (candidates.length > 1) {
      throw new GatewayError(
        ErrorCode.TOOL_AMBIGUOUS,
        `Tool name '${name}' is offered by several servers; use one of: ${candidates.join(', ')}`,
        { candidates },
      );
    }
    const quarantined = catalog.quarantinedTool(name);
    if (quarantined) {
      throw new GatewayError(
        ErrorCode.TOOL_QUARANTINED,
        `Tool '${name}' changed its definition since it was first seen and is quarantined; an admin can review and approve it (POST /mcp/tools/approve)`,
      );
    }
    throw missingToolError(registry, name, door);
  }
}

export function toolView(tool: CatalogTool): ToolView {
  return {
    name: tool.name,
    server: tool.server,
    tool: tool.tool,
    ...definitionView(tool.definition),
  };
}

/** A definition as answers show it. */
function definitionView(d: UpstreamTool): DefinitionView {
  return {
    ...(d.title ? { title: d.title } : {}),
    description: d.description ?? '',
    input_schema: d.inputSchema,
    ...(d.outputSchema ? { output_schema: d.outputSchema } : {}),
    ...(d.annotations ? { annotations: d.annotations } : {}),
  };
}

/**
 * A quarantined tool by its catalog name, or by its bare upstream name when no other
 * quarantined tool has it (API.md: a bare name is accepted wherever a tool is named).
 */
function quarantinedNamed(catalog: ToolCatalog, name: string): CatalogTool | undefined {
  const exact = catalog.quarantinedTool(name);
  if (exact) return exact;
  const candidates = catalog.allQuarantined().filter((t) => t.tool === name);
  if (candidates.length > 1) {
    const names = candidates.map((t) => t.name).sort();
    throw new GatewayError(
      ErrorCode.TOOL_AMBIGUOUS,
      `Several quarantined tools are named '${name}'; use one of: ${names.join(', ')}`,
      { candidates: names },
    );
  }
  return candidates[0];
}

/**
 * A call that failed because its session or its server went away under it: the caller did
 * that (or the session expired), so say so, rather than blame the server for closing.
 */
function cutOffError(
  registry: ServerRegistry,
  server: ServerConnection,
  tool: CatalogTool,
  isGlobal: boolean,
): GatewayError | undefined {
  if (registry.ended) {
    // The global scope ends only at shutdown, where the drain answers for cut-off calls.
    if (isGlobal) return undefined;
    return new GatewayError(
      ErrorCode.SESSION_NOT_FOUND,
      `Session '${registry.scopeId}' ended (deleted or expired) during the call of '${tool.name}'; the call was cut off`,
    );
  }
  if (!registry.has(server)) {
    return new GatewayError(
      ErrorCode.SERVER_NOT_FOUND,
      `Server '${tool.server}' was removed during the call of '${tool.name}'; the call was cut off`,
    );
  }
  return undefined;
}
