import { existsSync, statSync } from 'node:fs';
import { parseEnvAllowlist, parseStdioAllowlist, type StdioAllowEntry } from './stdio-allowlist.js';
import { resolve } from 'node:path';
import {
  isLoopbackHost,
  type EnvSchema,
  type LogLevel,
  type McpHttpTransport,
  type McpToolMode,
  type SearchStrategySetting,
  type ToolNamePrefixMode,
} from './env.schema.js';

export interface RedisSettings {
  url?: string;
  host: string;
  port: number;
  password?: string;
  keyPrefix: string;
}

export interface SecuritySettings {
  apiKeys?: string;
  apiKeysFile?: string;
  allowUnauthenticated: boolean;
  rateLimitPerMinute: number;
  rateLimitToolPerMinute: number;
  maxConcurrentCalls: number;
  maxConcurrentCallsPerKey: number;
  maxConcurrentCallsPerServer: number;
  maxToolResultBytes: number;
  maxToolDefinitionBytes: number;
  allowPrivateUpstreams: boolean;
  toolPinning: 'enforce' | 'warn' | 'off';
  /** Pins of tools no gateway served for this long are dropped; 0 keeps them for ever. */
  toolPinTtlDays: number;
}

export interface SessionSettings {
  ttlSeconds: number;
  max: number;
  /** Live sessions one API key may hold, so one key cannot take the whole pool. */
  maxPerKey: number;
  maxServers: number;
  metadataMaxBytes: number;
}

export interface SearchSettings {
  strategy: SearchStrategySetting;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  model: string;
  embeddingModel: string;
  modelTimeoutMs: number;
}

export interface McpServerSettings {
  toolMode: McpToolMode;
  hybridTopK: number;
  /** Each server's share of a merged resources/prompts list (never above the call timeout). */
  listTimeoutMs: number;
  toolNamePrefix: ToolNamePrefixMode;
  /** Live MCP sessions in this process, in all and per key (least recently used closed first). */
  maxSessions: number;
  maxSessionsPerKey: number;
}

export interface QueueSettings {
  /** QUEUE_ENABLED: whether this process takes work from the queue at all. */
  enabled: boolean;
  requestStream: string;
  responseStream: string;
  deadLetterStream: string;
  concurrency: number;
  visibilityTimeoutMs: number;
  maxAttempts: number;
  responseMaxLen: number;
  idempotencyTtlSeconds: number;
  /** SHUTDOWN_GRACE_MS: how long running requests get to be answered when the gateway stops. */
  drainMs: number;
}

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
  get logFormat(): 'json' | 'text' {
    return this.env.LOG_FORMAT;
  }
  get httpKeepAliveTimeoutMs(): number {
    return this.env.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  }
  get httpRequestTimeoutMs(): number {
    return this.env.HTTP_REQUEST_TIMEOUT_MS;
  }
  get shutdownGraceMs(): number {
    return this.env.SHUTDOWN_GRACE_MS;
  }
  get shutdownDelayMs(): number {
    return this.env.SHUTDOWN_DELAY_MS;
  }
  get readyMinServers(): number {
    return this.env.READY_MIN_SERVERS;
  }
  get analytics(): { storeQueries: boolean } {
    return { storeQueries: this.env.ANALYTICS_STORE_QUERIES };
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
  get serverPingIntervalMs(): number {
    return this.env.SERVER_PING_INTERVAL_MS;
  }
  get toolsRelistIntervalMs(): number {
    return this.env.TOOLS_RELIST_INTERVAL_MS;
  }
  get mcpHttpTransport(): McpHttpTransport {
    return this.env.MCP_HTTP_TRANSPORT;
  }
  get stdioProcessLimits(): { max: number; maxPerKey: number } {
    return { max: this.env.STDIO_MAX_PROCESSES, maxPerKey: this.env.STDIO_MAX_PROCESSES_PER_KEY };
  }
  get stdioKillGraceMs(): number {
    return this.env.STDIO_KILL_GRACE_MS;
  }
  get maxToolsPerServer(): number {
    return this.env.MAX_TOOLS_PER_SERVER;
  }
  get maxBodyBytes(): number {
    return this.env.MAX_BODY_BYTES;
  }
  get trustedProxies(): number {
    return this.env.GATEWAY_TRUSTED_PROXIES;
  }
  get allowedHosts(): readonly string[] {
    return this.env.GATEWAY_ALLOWED_HOSTS.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
  }
  get stdioAllowlist(): readonly StdioAllowEntry[] {
    return parseStdioAllowlist(this.env.GATEWAY_STDIO_ALLOWLIST);
  }
  /** Empty: no list, any key the blocklist lets through. */
  get stdioEnvAllowlist(): readonly string[] {
    return parseEnvAllowlist(this.env.GATEWAY_STDIO_ENV_ALLOWLIST);
  }

  get security(): SecuritySettings {
    const e = this.env;
    return {
      apiKeys: e.GATEWAY_API_KEYS,
      apiKeysFile: e.GATEWAY_API_KEYS_FILE ? resolve(this.cwd, e.GATEWAY_API_KEYS_FILE) : undefined,
      allowUnauthenticated: e.GATEWAY_ALLOW_UNAUTHENTICATED,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      rateLimitToolPerMinute: e.RATE_LIMIT_TOOL_PER_MINUTE,
      maxConcurrentCalls: e.MAX_CONCURRENT_CALLS,
      maxConcurrentCallsPerKey: e.MAX_CONCURRENT_CALLS_PER_KEY,
      maxConcurrentCallsPerServer: e.MAX_CONCURRENT_CALLS_PER_SERVER,
      maxToolResultBytes: e.MAX_TOOL_RESULT_BYTES,
      maxToolDefinitionBytes: e.MAX_TOOL_DEFINITION_BYTES,
      allowPrivateUpstreams:
        e.GATEWAY_ALLOW_PRIVATE_UPSTREAMS === 'auto'
          ? isLoopbackHost(e.GATEWAY_HOST)
          : e.GATEWAY_ALLOW_PRIVATE_UPSTREAMS === 'true',
      toolPinning: e.TOOL_PINNING,
      toolPinTtlDays: e.TOOL_PIN_TTL_DAYS,
    };
  }

  /** Undefined when neither REDIS_URL nor REDIS_HOST is set: everything stays in memory. */
  get redis(): RedisSettings | undefined {
    const e = this.env;
    if (!e.REDIS_URL && !e.REDIS_HOST) return undefined;
    return {
      url: e.REDIS_URL,
      host: e.REDIS_HOST ?? '127.0.0.1',
      port: e.REDIS_PORT,
      password: e.REDIS_PASSWORD,
      keyPrefix: e.REDIS_KEY_PREFIX,
    };
  }

  get sessions(): SessionSettings {
    const e = this.env;
    return {
      ttlSeconds: e.SESSION_TTL_SECONDS,
      max: e.SESSION_MAX,
      maxPerKey: Math.min(e.SESSION_MAX_PER_KEY, e.SESSION_MAX),
      maxServers: e.SESSION_MAX_SERVERS,
      metadataMaxBytes: e.SESSION_METADATA_MAX_BYTES,
    };
  }

  get search(): SearchSettings {
    const e = this.env;
    return {
      strategy: e.SEARCH_STRATEGY,
      openaiApiKey: e.OPENAI_API_KEY,
      openaiBaseUrl: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      embeddingModel: e.EMBEDDING_MODEL,
      modelTimeoutMs: e.SEARCH_MODEL_TIMEOUT_MS,
    };
  }

  get mcpServer(): McpServerSettings {
    const e = this.env;
    return {
      toolMode: e.GATEWAY_MCP_TOOLS,
      hybridTopK: e.GATEWAY_MCP_HYBRID_TOP_K,
      listTimeoutMs: Math.min(e.MCP_LIST_TIMEOUT_MS, e.TOOL_CALL_TIMEOUT_MS),
      toolNamePrefix: e.TOOL_NAME_PREFIX,
      maxSessions: e.MCP_SESSIONS_MAX,
      maxSessionsPerKey: Math.min(e.MCP_SESSIONS_MAX_PER_KEY, e.MCP_SESSIONS_MAX),
    };
  }

  /** The stream names are a public contract: REDIS_KEY_PREFIX does not apply to them. */
  get queue(): QueueSettings {
    const e = this.env;
    return {
      enabled: e.QUEUE_ENABLED,
      requestStream: e.QUEUE_REQUEST_STREAM,
      responseStream: e.QUEUE_RESPONSE_STREAM,
      deadLetterStream: `${e.QUEUE_REQUEST_STREAM}:dead`,
      concurrency: e.QUEUE_CONCURRENCY,
      visibilityTimeoutMs: e.QUEUE_VISIBILITY_TIMEOUT_MS,
      maxAttempts: e.QUEUE_MAX_ATTEMPTS,
      responseMaxLen: e.QUEUE_RESPONSE_MAXLEN,
      idempotencyTtlSeconds: e.QUEUE_IDEMPOTENCY_TTL_SECONDS,
      drainMs: e.SHUTDOWN_GRACE_MS,
    };
  }

  /**
   * The servers file: MCP_SERVERS_CONFIG when set (it must exist); else `servers.json`, or the
   * original gateway's `servers.txt` when only that exists; undefined when there is none.
   */
  get serversConfigPath(): string | undefined {
    const explicit = this.env.MCP_SERVERS_CONFIG;
    if (explicit) {
      const path = resolve(this.cwd, explicit);
      const problem = !existsSync(path)
        ? 'no such file'
        : statSync(path).isDirectory()
          ? `${path} is a directory; name the servers file in it`
          : undefined;
      if (problem) {
        throw new Error(
          `Invalid configuration:\n  MCP_SERVERS_CONFIG=${JSON.stringify(explicit)}: ${problem}`,
        );
      }
      return path;
    }
    for (const candidate of ['servers.json', 'servers.txt']) {
      const path = resolve(this.cwd, candidate);
      if (!existsSync(path)) continue;
      // What Docker leaves when a bind mount names a host file that does not exist.
      if (statSync(path).isDirectory()) {
        throw new Error(
          `Invalid configuration:\n  MCP_SERVERS_CONFIG (unset): the default ${path} is a directory; mount or name the servers file`,
        );
      }
      return path;
    }
    return undefined;
  }
}
