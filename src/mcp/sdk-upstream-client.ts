import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { TransportKind } from '../servers/server-spec.js';
import { listDescendants, terminate } from './process-tree.js';
import type {
  CallOptions,
  ToolResult,
  UpstreamClient,
  UpstreamEvents,
  UpstreamTool,
} from './upstream-client.js';
import { toGatewayError } from './upstream-errors.js';

// A server that pages forever must not hang the gateway.
const MAX_TOOL_PAGES = 100;

/** An UpstreamClient over the SDK's Client; one instance per connected server. */
export class SdkUpstreamClient implements UpstreamClient {
  private closing = false;
  private closedReason?: string;

  constructor(
    private readonly serverName: string,
    readonly transport: TransportKind,
    private readonly client: Client,
    private readonly stdio: StdioClientTransport | undefined,
    private readonly killGraceMs: number,
    private readonly describeExit: () => string,
  ) {}

  /** Wires events after the handshake, so a failed connect never reports a "close". */
  listen(events: UpstreamEvents): void {
    this.client.setNotificationHandler(ToolListChangedNotificationSchema, () =>
      events.onToolsChanged(),
    );
    this.client.onclose = () => {
      if (this.closing) return;
      this.closedReason = this.describeExit();
      events.onClosed(this.closedReason);
    };
  }

  async listTools(): Promise<UpstreamTool[]> {
    const tools: UpstreamTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const result = await this.client.listTools(cursor ? { cursor } : undefined);
      tools.push(...(result.tools as UpstreamTool[]));
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<ToolResult> {
    try {
      const result = await this.client.callTool({ name, arguments: args }, CallToolResultSchema, {
        timeout: options.timeoutMs,
        signal: options.signal,
      });
      return result;
    } catch (error) {
      throw toGatewayError(error, {
        server: this.serverName,
        tool: name,
        timeoutMs: options.timeoutMs,
        closedReason: this.closedReason ?? (this.stdio ? this.describeExit() : undefined),
      });
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // Snapshot the tree first: once the child exits, its children are re-parented and lost.
    const pid = this.stdio?.pid;
    const descendants = pid ? await listDescendants(pid) : [];
    try {
      // The SDK closes stdin, then SIGTERM, then SIGKILL the direct child.
      await this.client.close();
    } catch {
      // Closing is best-effort; the process tree is handled below either way.
    }
    await terminate(pid ? [pid, ...descendants] : descendants, this.killGraceMs);
  }
}
