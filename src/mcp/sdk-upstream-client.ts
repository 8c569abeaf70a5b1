import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { currentRequestId } from '../common/logging/request-context.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode as McpErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
  ProgressNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ResultSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../common/errors/error-message.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { InFlightMap } from '../common/in-flight-map.js';
import { isJsonObject, nestedDeeperThan } from '../common/json-shape.js';
import type { TransportKind } from '../servers/server-spec.js';
import type { ProcessGroupStdioTransport } from './process-group-stdio-transport.js';
import { ProgressDeadline } from './progress-deadline.js';
import { UpstreamCalls } from './upstream-calls.js';
import type {
  CallOptions,
  ForwardedMethod,
  McpObject,
  Progress,
  ToolResult,
  UpstreamCapabilities,
  UpstreamClient,
  UpstreamEvents,
  ToolListing,
  UpstreamTool,
} from './upstream-client.js';
import { LooseToolListSchema, ToolListReader } from './tool-list-reader.js';
import { isSdkTimeout, noAnswer, toGatewayError, type UpstreamRequest } from './upstream-errors.js';
import { protocolError } from './protocol-error.js';

// A server that pages forever must not hang the gateway.
const MAX_TOOL_PAGES = 100;

/** What the gateway tells upstream servers it can relay to its own clients. */
export const UPSTREAM_CLIENT_CAPABILITIES = {
  sampling: {},
  elicitation: { form: {}, url: {} },
};

/** `_meta` key of the gateway's request id on calls to upstream servers. */
export const REQUEST_ID_META = 'io.github.mcp-gateway/request-id';

/** An UpstreamClient over the SDK's Client; one instance per connected server. */
export class SdkUpstreamClient implements UpstreamClient {
  private closing = false;
  private closedReason?: string;
  private readonly calls = new UpstreamCalls();
  /** The MCP door's calls all have one (their deadline's): see InFlightMap. */
  private readonly progress = new InFlightMap<string, (progress: Progress) => void>();
  private nextProgressToken = 0;

  constructor(
    private readonly serverName: string,
    readonly transport: TransportKind,
    private readonly client: Client,
    private readonly stdio: ProcessGroupStdioTransport | undefined,
    private readonly describeExit: () => string,
  ) {
    releaseFinishedRequests(client);
  }

  get capabilities(): UpstreamCapabilities {
    return (this.client.getServerCapabilities() ?? {}) as UpstreamCapabilities;
  }

  /** Wires events after the handshake, so a failed connect never reports a "close". */
  listen(events: UpstreamEvents): void {
    const client = this.client;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => events.onToolsChanged());
    // Replaces the SDK's own progress routing, which drops the last progress notification
    // when it arrives in the same read as the result (the result removes the handler first).
    client.setNotificationHandler(ProgressNotificationSchema, (n) => {
      const { progressToken, ...progress } = n.params;
      this.progress.get(String(progressToken))?.(progress);
    });
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () =>
      events.onNotification?.({ kind: 'resources-changed' }),
    );
    client.setNotificationHandler(PromptListChangedNotificationSchema, () =>
      events.onNotification?.({ kind: 'prompts-changed' }),
    );
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
      events.onNotification?.({ kind: 'resource-updated', params: n.params }),
    );
    // A log line written during a call belongs to that call's client; others go to everyone.
    client.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => {
      const caller = this.calls.current();
      if (caller) await caller.notify(n.method, n.params);
      else events.onNotification?.({ kind: 'log', params: n.params });
    });
    client.setRequestHandler(CreateMessageRequestSchema, (request, extra) =>
      this.askCaller(request.method, request.params, extra.signal),
    );
    client.setRequestHandler(ElicitRequestSchema, (request, extra) =>
      this.askCaller(request.method, request.params, extra.signal),
    );
    client.onclose = () => {
      if (this.closing) return;
      this.closedReason = this.describeExit();
      events.onClosed(this.closedReason);
    };
  }

  async listTools(atMost: number, timeoutMs: number): Promise<ToolListing> {
    const reader = new ToolListReader(atMost);
    // One deadline for every page: a server slow on each of MAX_TOOL_PAGES pages would
    // otherwise hold the connection for that many timeouts.
    const deadline = Date.now() + timeoutMs;
    let cursor: string | undefined;
    let page = 0;
    for (; page < MAX_TOOL_PAGES && !reader.full; page++) {
      const left = deadline - Date.now();
      if (left <= 0) throw listingTooSlow(timeoutMs, page);
      const result = await this.client
        .request(
          { method: 'tools/list', params: cursor ? { cursor } : undefined },
          LooseToolListSchema,
          { timeout: left },
        )
        // Said so the operator knows which step failed: the handshake itself had succeeded.
        .catch((error: unknown) => {
          if (isSdkTimeout(error) && page > 0) throw listingTooSlow(timeoutMs, page);
          throw new Error(`tools/list failed: ${errorMessage(error)}`);
        });
      reader.read(result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    this.cacheToolMetadata(reader.tools);
    return { tools: reader.tools, skipped: reader.skipped };
  }

  /**
   * What the SDK's own listTools does after a listing: it keeps each tool's output schema, to
   * check the structured results of calls, and which tools need task-based calls. The listing
   * is read here instead (one bad tool must not fail it), so the SDK is told the same way.
   */
  private cacheToolMetadata(tools: UpstreamTool[]): void {
    const sdk = this.client as unknown as { cacheToolMetadata?: (tools: UpstreamTool[]) => void };
    sdk.cacheToolMetadata?.call(this.client, tools);
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<ToolResult> {
    const { timeoutMs, maxTotalTimeoutMs } = options;
    const deadline =
      maxTotalTimeoutMs === undefined
        ? undefined
        : new ProgressDeadline(timeoutMs, maxTotalTimeoutMs, options.signal);
    const onProgress = deadline
      ? (progress: Progress) => {
          deadline.progressed();
          options.onProgress?.(progress);
        }
      : options.onProgress;
    try {
      return await this.withProgress({ ...options, onProgress }, (_meta) =>
        this.calls.track(options.caller, () =>
          this.client.callTool(
            { name, arguments: args, _meta: withRequestId(_meta) },
            CallToolResultSchema,
            {
              // With a deadline, the SDK's timer is only the backstop of its overall bound.
              timeout: maxTotalTimeoutMs ?? timeoutMs,
              signal: deadline?.signal ?? options.signal,
            },
          ),
        ),
      );
    } catch (error) {
      throw toGatewayError(error, {
        server: this.serverName,
        tool: name,
        ...this.requestState(options),
        closedReason: this.closedReason ?? (this.stdio ? this.describeExit() : undefined),
      });
    } finally {
      deadline?.end();
    }
  }

  async forward(
    method: ForwardedMethod,
    params: McpObject,
    options: CallOptions,
  ): Promise<McpObject> {
    try {
      // ResultSchema keeps every field: the answer goes back to the client unchanged.
      return await this.withProgress(options, (_meta) =>
        this.calls.track(options.caller, () =>
          this.client.request({ method, params: { ...params, _meta } }, ResultSchema, {
            timeout: options.timeoutMs,
            signal: options.signal,
          }),
        ),
      );
    } catch (error) {
      const translated = toGatewayError(error, {
        server: this.serverName,
        method,
        ...this.requestState(options),
        closedReason: this.closedReason,
      });
      // The MCP door answers with the server's own JSON-RPC code (e.g. resource not found),
      // and its `data` when that is a small object (the spec's -32002 carries the uri).
      if (error instanceof McpError && translated.details === undefined) {
        const mcpData = relayableData(error.data);
        throw new GatewayError(translated.code, translated.message, {
          mcpCode: error.code,
          ...(mcpData ? { mcpData } : {}),
        });
      }
      throw translated;
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.client.ping({ timeout: timeoutMs });
    } catch (error) {
      // An error answer (a server that does not know ping, say) still came from a live server.
      if (error instanceof McpError && !noAnswer(error, this.requestState({ timeoutMs }))) return;
      throw error;
    }
  }

  /**
   * Read as soon as a request fails: the SDK drops the transport before it fails the pending
   * requests of a closed connection, so a -32000 while connected is the server's own answer.
   */
  private requestState(options: { timeoutMs: number; signal?: AbortSignal }): UpstreamRequest {
    return {
      timeoutMs: options.timeoutMs,
      connected: this.client.transport !== undefined,
      aborted: options.signal?.aborted ?? false,
    };
  }

  async close(reason?: string): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // The calls in flight fail with it: for a stdio server, as soon as closing begins.
    if (reason !== undefined) this.closedReason ??= reason;
    try {
      await this.client.close();
    } catch {
      // Closing is best-effort; the process group is ended below either way.
    }
    // The server's whole process group (and strays). Called here, not only through the
    // client: once the connection is over (a server that died) the SDK has dropped the
    // transport, and its close() no longer reaches it, while the dead server's children live.
    await this.stdio?.close();
  }

  /** Gives the request a progress token of ours while the caller wants progress. */
  private async withProgress<T>(
    options: CallOptions,
    run: (meta: { progressToken: string } | undefined) => Promise<T>,
  ): Promise<T> {
    if (!options.onProgress) return run(undefined);
    const token = `gateway-${++this.nextProgressToken}`;
    this.progress.set(token, options.onProgress);
    try {
      return await run({ progressToken: token });
    } finally {
      this.progress.delete(token);
    }
  }

  /** Sampling and elicitation are the caller's to answer; the gateway has no model or user. */
  private async askCaller(method: string, params: McpObject, signal: AbortSignal): Promise<never> {
    const caller = this.calls.current();
    if (!caller) {
      throw protocolError(
        McpErrorCode.InvalidRequest,
        this.calls.inFlight > 0
          ? `${method} cannot be relayed: calls of several clients are running on this connection, and nothing in the request says which call it belongs to (over ${this.transport}, MCP gives no way to tell)`
          : `${method} is only relayed during a tool call, and none is running on this connection`,
      );
    }
    // The SDK validates the answer against the method's result schema before replying.
    return (await caller.request(method, params, signal)) as never;
  }
}

function listingTooSlow(timeoutMs: number, pages: number): Error {
  return new Error(
    `tools/list failed: timed out, the whole listing gets ${timeoutMs} ms and ${pages} page(s) had come`,
  );
}

/** The gateway request id travels with the call, so server logs can be matched to ours. */
function withRequestId<T extends object>(
  meta: T | undefined,
): (T & Record<string, unknown>) | undefined {
  const requestId = currentRequestId();
  if (!requestId) return meta as (T & Record<string, unknown>) | undefined;
  return { ...(meta ?? ({} as T)), [REQUEST_ID_META]: requestId };
}

/** The most of an upstream error's `data` relayed to the client, in bytes of JSON. */
const MAX_ERROR_DATA_BYTES = 16_384;

/** An error's `data` worth relaying: a plain object, small, not deeply nested. */
function relayableData(data: unknown): Record<string, unknown> | undefined {
  if (!isJsonObject(data) || nestedDeeperThan(data, 32)) return undefined;
  return JSON.stringify(data).length <= MAX_ERROR_DATA_BYTES ? data : undefined;
}

/**
 * The SDK's maps of this connection's requests in flight (a response handler and a timeout
 * entry each, closures over the request and so over the whole call) become InFlightMaps, so
 * that the hash tables V8 leaves behind keep no finished call alive through scavenges. They
 * are the SDK's private fields: if a version renames them, nothing changes but the garbage
 * (sdk-upstream-client.spec.ts says so). The SDK puts a plain Map back when the connection
 * closes, and a closed connection takes no more calls.
 */
export function releaseFinishedRequests(client: Client): void {
  const sdk = client as unknown as Record<string, unknown>;
  for (const field of SDK_IN_FLIGHT_MAPS) {
    const map = sdk[field];
    if (map instanceof Map && !(map instanceof InFlightMap)) sdk[field] = new InFlightMap(map);
  }
}

/** The fields of the SDK's Protocol that releaseFinishedRequests replaces. */
export const SDK_IN_FLIGHT_MAPS = ['_responseHandlers', '_timeoutInfo'] as const;
