import type { ServerSpec, TransportKind } from '../servers/server-spec.js';

/** A tool as an upstream server describes it (MCP `Tool`), kept opaque beyond what we use. */
export interface UpstreamTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** A tool a server listed that the gateway leaves out, and why: the operator's to fix. */
export interface SkippedTool {
  /** Its name, or `#<position in the list>` when it has no usable one. */
  tool: string;
  reason: string;
}

/** A server's tools/list, every page: the tools the gateway takes, and those it left out. */
export interface ToolListing {
  tools: UpstreamTool[];
  skipped: SkippedTool[];
}

/** An MCP CallToolResult, passed through unchanged. */
export type ToolResult = Record<string, unknown> & { isError?: boolean };

/** Any MCP params or result object, passed through unchanged. */
export type McpObject = Record<string, unknown>;

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * The MCP client a tool call came from. An upstream server may talk back to it during the
 * call (sampling, elicitation, log messages); the gateway only relays.
 */
export interface CallerChannel {
  /**
   * Who is calling: the same value for every call of one client connection. Lets a message
   * that cannot be tied to one call still go to the right client when only one is calling.
   */
  client: object;
  /** Asks the caller (`sampling/createMessage`, `elicitation/create`, ...) and returns its result. */
  request(method: string, params: McpObject, signal: AbortSignal): Promise<McpObject>;
  /** A notification for the caller, e.g. `notifications/message` logged during the call. */
  notify(method: string, params: McpObject): Promise<void>;
}

export interface CallOptions {
  timeoutMs: number;
  /**
   * When set, progress the server reports for the call restarts the `timeoutMs` countdown,
   * up to this long in all (a tool call; the server is asked for progress whether or not
   * `onProgress` is given).
   */
  maxTotalTimeoutMs?: number;
  signal?: AbortSignal;
  /** Progress the server reports for this call. */
  onProgress?: (progress: Progress) => void;
  caller?: CallerChannel;
}

/** Requests the MCP door forwards to one upstream server as they are (besides tools). */
export type ForwardedMethod =
  | 'resources/list'
  | 'resources/templates/list'
  | 'resources/read'
  | 'resources/subscribe'
  | 'resources/unsubscribe'
  | 'prompts/list'
  | 'prompts/get'
  | 'completion/complete'
  | 'logging/setLevel';

/** What the server declared at the handshake (MCP ServerCapabilities), opaque beyond these keys. */
export interface UpstreamCapabilities {
  tools?: McpObject;
  resources?: { subscribe?: boolean; listChanged?: boolean };
  prompts?: McpObject;
  completions?: McpObject;
  logging?: McpObject;
}

/** A notification of the server that is not about one call; the MCP door relays it. */
export type UpstreamNotification =
  | { kind: 'log'; params: McpObject }
  | { kind: 'resource-updated'; params: McpObject }
  | { kind: 'resources-changed' }
  | { kind: 'prompts-changed' };

/** A live connection to one upstream server. Failures are thrown as GatewayError. */
export interface UpstreamClient {
  /** The transport actually in use (an inferred URL settles on one of the two HTTP kinds). */
  readonly transport: TransportKind;
  /** Optional so minimal test doubles need not implement the MCP door's extras. */
  readonly capabilities?: UpstreamCapabilities;
  /**
   * The server's tools, every page of them, but paging stops once more than `atMost` are in
   * hand: a server listing without end costs a bounded read, and the caller can tell it had more.
   * The whole listing, every page of it, gets `timeoutMs`: a server that never answers, or
   * answers each of many pages slowly, must not hold the connection in 'connecting' longer.
   * One invalid definition costs that tool, not the listing: it is left out and named in
   * `skipped`, and so is a tool whose name was listed before (names are unique in `tools`).
   */
  listTools(atMost: number, timeoutMs: number): Promise<ToolListing>;
  callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult>;
  /** One request of another MCP feature; the result is the server's, unchanged. */
  forward?(method: ForwardedMethod, params: McpObject, options: CallOptions): Promise<McpObject>;
  /**
   * MCP ping: resolves when the server answered in time (even with an error), rejects when no
   * answer came. Optional so minimal test doubles need not implement it.
   */
  ping?(timeoutMs: number): Promise<void>;
  /**
   * Closes the connection; for stdio, ends the whole process tree. Never throws. `reason`:
   * the gateway found the server dead or hung; calls still in flight fail at once, saying so.
   */
  close(reason?: string): Promise<void>;
}

export interface UpstreamEvents {
  /** The server sent notifications/tools/list_changed. */
  onToolsChanged(): void;
  /** The connection ended without close() being called (process died, stream dropped). */
  onClosed(reason: string): void;
  /** Anything else the MCP door relays (logs outside calls, resource updates, list changes). */
  onNotification?(notification: UpstreamNotification): void;
}

export interface ConnectOptions {
  timeoutMs: number;
  /** How often a connected server is pinged; 0: never. */
  pingIntervalMs: number;
  /**
   * How long after its last listing a server's tools are listed again, at its next ping,
   * without a list_changed; 0 or absent: never.
   */
  relistIntervalMs?: number;
  /**
   * How long a closed stdio server gets to exit once its stdin ends, and then between SIGTERM
   * and SIGKILL to its process group.
   */
  killGraceMs: number;
  /** Tools taken from the server (MAX_TOOLS_PER_SERVER); the rest are left out. */
  maxTools: number;
  /** Ends a connection attempt at once (the server was removed while connecting). */
  signal?: AbortSignal;
}

/** The port other modules use to reach MCP servers; the SDK stays behind it (src/mcp). */
export abstract class UpstreamClientFactory {
  abstract connect(
    serverName: string,
    spec: ServerSpec,
    events: UpstreamEvents,
    options: ConnectOptions,
  ): Promise<UpstreamClient>;
}
