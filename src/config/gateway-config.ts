import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EnvSchema, LogLevel } from './env.schema.js';

/** The one typed accessor for configuration; nothing else reads process.env. */
export class GatewayConfig {
  constructor(
    private readonly env: EnvSchema,
    private readonly cwd: string = process.cwd(),
  ) {}

  get host(): string {
    return this.env.GATEWAY_HOST;
  }
  get port(): number {
    return this.env.GATEWAY_PORT;
  }
  get logLevel(): LogLevel {
    return this.env.LOG_LEVEL;
  }
  get toolCallTimeoutMs(): number {
    return this.env.TOOL_CALL_TIMEOUT_MS;
  }
  get toolCallTimeoutMaxMs(): number {
    return this.env.TOOL_CALL_TIMEOUT_MAX_MS;
  }
  get serverConnectTimeoutMs(): number {
    return this.env.SERVER_CONNECT_TIMEOUT_MS;
  }
  get stdioKillGraceMs(): number {
    return this.env.STDIO_KILL_GRACE_MS;
  }
  get maxBodyBytes(): number {
    return this.env.MAX_BODY_BYTES;
  }
  get stdioAllowlist(): readonly string[] {
    return this.env.GATEWAY_STDIO_ALLOWLIST.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /**
   * The servers file: MCP_SERVERS_CONFIG when set (it must exist); else `servers.json`, or the
   * original gateway's `servers.txt` when only that exists; undefined when there is none.
   */
  get serversConfigPath(): string | undefined {
    const explicit = this.env.MCP_SERVERS_CONFIG;
    if (explicit) {
      const path = resolve(this.cwd, explicit);
      if (!existsSync(path)) {
        throw new Error(
          `Invalid configuration:\n  MCP_SERVERS_CONFIG=${JSON.stringify(explicit)}: no such file`,
        );
      }
      return path;
    }
    for (const candidate of ['servers.json', 'servers.txt']) {
      const path = resolve(this.cwd, candidate);
      if (existsSync(path)) return path;
    }
    return undefined;
  }
}
