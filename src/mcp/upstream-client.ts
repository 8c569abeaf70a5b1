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

/** An MCP CallToolResult, passed through unchanged. */
export type ToolResult = Record<string, unknown> & { isError?: boolean };

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A live connection to one upstream server. Failures are thrown as GatewayError. */
export interface UpstreamClient {
  /** The transport actually in use (an inferred URL settles on one of the two HTTP kinds). */
  readonly transport: TransportKind;
  listTools(): Promise<UpstreamTool[]>;
  callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<ToolResult>;
  /** Closes the connection; for stdio, ends the whole process tree. Never throws. */
  close(): Promise<void>;
}

export interface UpstreamEvents {
  /** The server sent notifications/tools/list_changed. */
  onToolsChanged(): void;
  /** The connection ended without close() being called (process died, stream dropped). */
  onClosed(reason: string): void;
}

export interface ConnectOptions {
  timeoutMs: number;
  /** Grace between SIGTERM and SIGKILL for descendants of a stdio server. */
  killGraceMs: number;
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
