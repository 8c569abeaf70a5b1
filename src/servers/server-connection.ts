import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { redact } from '../common/redact.js';
import type {
  CallOptions,
  ConnectOptions,
  ToolResult,
  UpstreamClient,
  UpstreamClientFactory,
  UpstreamTool,
} from '../mcp/upstream-client.js';
import { isStdioSpec, secretValuesOf, type ServerSpec, type TransportKind } from './server-spec.js';
import { errorMessage } from '../common/errors/error-message.js';

export type ServerStatus = 'connecting' | 'connected' | 'failed' | 'closed';
export type ServerSource = 'config' | 'api';

/**
 * One upstream server in one scope: its spec, its connection and its last known tools.
 * Never throws from connect(); the outcome is the status and the error.
 */
export class ServerConnection {
  readonly uuid = randomUUID();
  status: ServerStatus = 'connecting';
  error?: string;
  tools: UpstreamTool[] = [];
  private client?: UpstreamClient;
  private readonly logger: Logger;
  private readonly secrets: string[];

  constructor(
    readonly name: string,
    readonly spec: ServerSpec,
    readonly source: ServerSource,
    private readonly factory: UpstreamClientFactory,
    private readonly options: ConnectOptions,
    /** Called whenever the set of tools this server offers changes (including to none). */
    private readonly onToolsChanged: (server: ServerConnection) => void,
  ) {
    this.logger = new Logger(`Server ${name}`);
    this.secrets = secretValuesOf(spec);
  }

  get transport(): TransportKind | 'auto' {
    return (
      this.client?.transport ?? (isStdioSpec(this.spec) ? 'stdio' : (this.spec.transport ?? 'auto'))
    );
  }

  async connect(): Promise<void> {
    try {
      this.client = await this.factory.connect(
        this.name,
        this.spec,
        {
          onToolsChanged: () => void this.refreshTools(),
          onClosed: (reason) => this.markDead(reason),
        },
        this.options,
      );
      if (this.status === 'closed') {
        // Removed while connecting: do not leak the process.
        await this.client.close();
        return;
      }
      this.tools = await this.client.listTools();
      this.status = 'connected';
      this.error = undefined;
      this.logger.log(`connected over ${this.client.transport} with ${this.tools.length} tool(s)`);
    } catch (error) {
      if (this.status === 'closed') return;
      this.status = 'failed';
      this.error = this.safeMessage(error);
      this.logger.warn(`failed: ${this.error}`);
      await this.client?.close();
      this.client = undefined;
    }
    this.onToolsChanged(this);
  }

  async callTool(
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<ToolResult> {
    if (this.status !== 'connected' || !this.client) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `Server '${this.name}' is ${this.status}${this.error ? `: ${this.error}` : ''}`,
      );
    }
    try {
      return await this.client.callTool(tool, args, options);
    } catch (error) {
      if (error instanceof GatewayError) {
        throw new GatewayError(error.code, redact(error.message, this.secrets), error.details);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    const wasLive = this.status === 'connected' || this.status === 'connecting';
    this.status = 'closed';
    const client = this.client;
    this.client = undefined;
    await client?.close();
    if (wasLive) this.onToolsChanged(this);
  }

  private async refreshTools(): Promise<void> {
    if (this.status !== 'connected' || !this.client) return;
    try {
      this.tools = await this.client.listTools();
      this.logger.log(`tool list changed: ${this.tools.length} tool(s)`);
      this.onToolsChanged(this);
    } catch (error) {
      this.logger.warn(`could not refresh tools: ${this.safeMessage(error)}`);
    }
  }

  private markDead(reason: string): void {
    if (this.status === 'closed') return;
    this.status = 'failed';
    this.error = redact(reason, this.secrets);
    this.logger.warn(`connection lost: ${this.error}`);
    // The process is gone already; close() still reaps any descendants it left behind.
    void this.client?.close();
    this.client = undefined;
    this.onToolsChanged(this);
  }

  private safeMessage(error: unknown): string {
    return redact(errorMessage(error), this.secrets);
  }
}
