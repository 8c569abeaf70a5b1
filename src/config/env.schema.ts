import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  ValidateIf,
  IsString,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import {
  envAllowlistProblem,
  parseEnvAllowlist,
  parseStdioAllowlist,
  stdioAllowlistProblem,
} from './stdio-allowlist.js';
import { COUNT_MAX, TIMER_MAX_MS, TTL_MAX_DAYS, TTL_MAX_SECONDS } from './env-limits.js';
import { Satisfies } from './satisfies.decorator.js';
import { httpUrlProblem, redisUrlProblem } from './url-checks.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const SEARCH_STRATEGIES = ['auto', 'lexical', 'hybrid', 'llm'] as const;
export type SearchStrategySetting = (typeof SEARCH_STRATEGIES)[number];
export const MCP_TOOL_MODES = ['all', 'search', 'hybrid'] as const;
export type McpToolMode = (typeof MCP_TOOL_MODES)[number];
/** Whose streamable HTTP transports the gateway speaks with: its own lean ones, or the SDK's. */
export const MCP_HTTP_TRANSPORTS = ['gateway', 'sdk'] as const;
export type McpHttpTransport = (typeof MCP_HTTP_TRANSPORTS)[number];
export const TOOL_NAME_PREFIX_MODES = ['always', 'auto', 'never'] as const;
export type ToolNamePrefixMode = (typeof TOOL_NAME_PREFIX_MODES)[number];

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every variable the gateway reads, with its default. `.env.example` lists the same names;
 * a test keeps the two in step.
 */
/** Defaults that other code compares against (a prefix of its own on the shared stream). */
export const DEFAULT_REDIS_KEY_PREFIX = 'mcpgw:';
export const DEFAULT_REQUEST_STREAM = 'mcp_requests';

export class EnvSchema {
  @IsString() @MinLength(1) GATEWAY_HOST = 'localhost';

  /** Falls back to PORT, which hosting platforms set, when unset. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) GATEWAY_PORT = 8000;

  @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';

  /** Path of the servers file (Claude Desktop `mcpServers` JSON). */
  @IsOptional() @IsString() MCP_SERVERS_CONFIG?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(TIMER_MAX_MS) TOOL_CALL_TIMEOUT_MS = 60_000;

  /** Upper bound on a caller's `timeout_ms`, so no request can pin a call forever. */
  @Transform(toInt) @IsInt() @Min(1) @Max(TIMER_MAX_MS) TOOL_CALL_TIMEOUT_MAX_MS = 600_000;

  /** How long one server may take to start and finish the MCP handshake. */
  @Transform(toInt) @IsInt() @Min(100) @Max(TIMER_MAX_MS) SERVER_CONNECT_TIMEOUT_MS = 30_000;

  /**
   * How often a connected server is pinged (MCP ping); two pings in a row without an answer
   * mark it failed and start reconnecting (a stdio server is ended and restarted). 0: never.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(TIMER_MAX_MS) SERVER_PING_INTERVAL_MS = 30_000;

  /**
   * How often a connected server's tools are listed again even though it sent no
   * list_changed, so that a definition changed quietly is still checked against its pin
   * (tool pinning). Done at the first ping after it is due. 0: only on connect and on notice.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(TIMER_MAX_MS) TOOLS_RELIST_INTERVAL_MS = 300_000;

  /**
   * Comma-separated command lines that servers added over the API may run, each matched whole;
   * an entry whose last word is `*` takes further arguments.
   */
  @IsString() GATEWAY_STDIO_ALLOWLIST = '';
  /**
   * Comma-separated env keys (or prefixes ending in `*`) that stdio servers added over the API
   * may set; empty: any key the built-in blocklist does not refuse.
   */
  @IsString() GATEWAY_STDIO_ENV_ALLOWLIST = '';

  /**
   * Comma-separated host names clients use to reach /mcp (Host and Origin checks against DNS
   * rebinding). Needed when listening on 0.0.0.0, where the gateway cannot know its names.
   */
  @IsString() GATEWAY_ALLOWED_HOSTS = '';
  /**
   * How many proxies in front (an ingress, a load balancer) to believe X-Forwarded-For from,
   * so that per-address rate limits (callers without a key) see the client, not the proxy.
   * 0: none, the connection's own address counts.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(10) GATEWAY_TRUSTED_PROXIES = 0;

  /** How long a stdio server gets between SIGTERM and SIGKILL when it is closed. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000) STDIO_KILL_GRACE_MS = 2_000;
  /**
   * Stdio server processes this gateway runs at once: each session's copy of a file server,
   * and those added over the API. The global scope's file servers always start (and count).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) STDIO_MAX_PROCESSES = 128;
  /** Of those, the ones the sessions of one API key run; not applied when no keys are set. */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) STDIO_MAX_PROCESSES_PER_KEY = 32;

  @Transform(toInt) @IsInt() @Min(1024) @Max(COUNT_MAX) MAX_BODY_BYTES = 1_048_576;

  /** json: one JSON object per line (pino), for log pipelines; text: for a terminal. */
  @IsIn(['json', 'text']) LOG_FORMAT: 'json' | 'text' = 'json';

  /** On SIGTERM: how long in-flight calls may take to finish before connections close. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000) SHUTDOWN_GRACE_MS = 10_000;
  /**
   * On SIGTERM: how long to go on serving, not ready, before the drain begins, so that load
   * balancers stop sending first (Kubernetes removes an endpoint asynchronously); 0 locally.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000) SHUTDOWN_DELAY_MS = 0;
  /**
   * How long an idle keep-alive connection stays open: above the 60 s idle timeout of the
   * usual load balancers, so that the balancer, not the gateway, closes it (else it may send
   * a request on a connection being closed, and answer 502). Node's own default is 5 s.
   */
  @Transform(toInt) @IsInt() @Min(1000) @Max(3_600_000) HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;
  /**
   * How long a client has to send a whole request, headers and body; then 408 and the
   * connection closes. Node's own 300 s lets slow senders hold connections for minutes.
   */
  @Transform(toInt) @IsInt() @Min(1000) @Max(3_600_000) HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /** /health/ready also waits for at least this many connected servers (0: none needed). */
  @Transform(toInt) @IsInt() @Min(0) @Max(COUNT_MAX) READY_MIN_SERVERS = 0;

  /** Keep search query text in analytics (off: only its length). */
  @Transform(toBool) @IsBoolean() ANALYTICS_STORE_QUERIES = false;

  // --- Security ---
  /** `<key>=<scope>[+<scope>...],...`, e.g. `k1=admin,k2=tools:read+tools:call`. */
  @IsOptional() @IsString() GATEWAY_API_KEYS?: string;
  /** A file of hashed keys, one per line: `<name>:<sha256 hex of the key>:<scope>[+<scope>...]`. */
  @IsOptional() @IsString() GATEWAY_API_KEYS_FILE?: string;
  /** Listen beyond loopback with no API keys anyway (the operator says they mean it). */
  @Transform(toBool) @IsBoolean() GATEWAY_ALLOW_UNAUTHENTICATED = false;
  /** Requests per minute per API key (or per client address without keys); 0 turns it off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(COUNT_MAX) RATE_LIMIT_PER_MINUTE = 3000;
  /** Calls per minute per API key and tool; 0 turns it off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(COUNT_MAX) RATE_LIMIT_TOOL_PER_MINUTE = 600;
  /** Tool calls in flight at once, in total and per API key; past them a fast 429. */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) MAX_CONCURRENT_CALLS = 256;
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) MAX_CONCURRENT_CALLS_PER_KEY = 32;
  /**
   * Tool calls in flight at once to one server connection; past it a fast 503 SERVER_BUSY.
   * A server that hangs then holds this many of MAX_CONCURRENT_CALLS, not all of them.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) MAX_CONCURRENT_CALLS_PER_SERVER = 64;
  /** Largest tool result relayed to a caller, in bytes of JSON. */
  @Transform(toInt) @IsInt() @Min(1024) @Max(COUNT_MAX) MAX_TOOL_RESULT_BYTES = 5_242_880;
  /** Largest single tool definition accepted from an upstream server, in bytes of JSON. */
  @Transform(toInt) @IsInt() @Min(1024) @Max(COUNT_MAX) MAX_TOOL_DEFINITION_BYTES = 65_536;
  /** Tools taken from one server; past it the rest are left out and logged. */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) MAX_TOOLS_PER_SERVER = 1000;
  /**
   * May servers added over the API reach private and loopback addresses (link-local and cloud
   * metadata: never)? auto: yes while the gateway listens on loopback only, else no.
   */
  @IsIn(['auto', 'true', 'false']) GATEWAY_ALLOW_PRIVATE_UPSTREAMS: 'auto' | 'true' | 'false' =
    'auto';
  /** enforce: a changed tool definition is quarantined until approved; warn: logged only; off. */
  @IsIn(['enforce', 'warn', 'off']) TOOL_PINNING: 'enforce' | 'warn' | 'off' = 'enforce';
  /** Pins of tools no gateway served for this many days are dropped; 0: kept for ever. */
  @Transform(toInt) @IsInt() @Min(0) @Max(TTL_MAX_DAYS) TOOL_PIN_TTL_DAYS = 30;

  // --- Redis (optional: without it everything runs in memory, in one process) ---
  /** redis://[user:pass@]host:port[/db]; wins over REDIS_HOST/REDIS_PORT. */
  @IsOptional() @Satisfies(redisUrlProblem) REDIS_URL?: string;
  @IsOptional() @IsString() REDIS_HOST?: string;
  // Checked only when used: Kubernetes sets REDIS_PORT=tcp://10.0.0.1:6379 for a Service named
  // redis (service links), which must not stop a gateway that is given REDIS_URL.
  @ValidateIf((env: EnvSchema) => !env.REDIS_URL)
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  REDIS_PORT = 6379;
  @IsOptional() @IsString() REDIS_PASSWORD?: string;
  /** Namespaces every key the gateway writes (not the public queue stream names). */
  @IsString() REDIS_KEY_PREFIX = DEFAULT_REDIS_KEY_PREFIX;

  // --- Sessions ---
  @Transform(toInt) @IsInt() @Min(1) @Max(TTL_MAX_SECONDS) SESSION_TTL_SECONDS = 3600;
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) SESSION_MAX = 1000;
  /** Live sessions of one API key (at most SESSION_MAX); not applied when no keys are set. */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) SESSION_MAX_PER_KEY = 100;
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) SESSION_MAX_SERVERS = 20;
  @Transform(toInt) @IsInt() @Min(2) @Max(COUNT_MAX) SESSION_METADATA_MAX_BYTES = 16_384;

  // --- Tool search ---
  @IsIn(SEARCH_STRATEGIES) SEARCH_STRATEGY: SearchStrategySetting = 'auto';
  @IsOptional() @IsString() OPENAI_API_KEY?: string;
  /** Any OpenAI-compatible server: Ollama, vLLM, LiteLLM... */
  @IsOptional() @Satisfies(httpUrlProblem) OPENAI_BASE_URL?: string;
  @IsString() OPENAI_MODEL = 'gpt-4o-mini';
  @IsString() EMBEDDING_MODEL = 'text-embedding-3-small';
  /** Budget of one embeddings or LLM request made for a search. */
  @Transform(toInt) @IsInt() @Min(100) @Max(TIMER_MAX_MS) SEARCH_MODEL_TIMEOUT_MS = 10_000;

  // --- The gateway as an MCP server ---
  @IsIn(MCP_TOOL_MODES) GATEWAY_MCP_TOOLS: McpToolMode = 'all';
  /** How many most-used tools GATEWAY_MCP_TOOLS=hybrid lists next to the meta-tools. */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) GATEWAY_MCP_HYBRID_TOP_K = 20;
  /**
   * How long each server gets to answer its part of a merged resources/prompts list on the
   * MCP door: a list is metadata, and one server that never answers must not hold up the others.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(TIMER_MAX_MS) MCP_LIST_TIMEOUT_MS = 5000;
  @IsIn(TOOL_NAME_PREFIX_MODES) TOOL_NAME_PREFIX: ToolNamePrefixMode = 'always';
  /**
   * MCP sessions (/mcp) held open in this process, in all and per API key; past either the
   * least recently used is closed (its id still works: the session is rebuilt on its next use).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) MCP_SESSIONS_MAX = 1000;
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) MCP_SESSIONS_MAX_PER_KEY = 100;
  /**
   * Streamable HTTP on /mcp and to upstream servers: the gateway's own transports (default,
   * several times less CPU per call) or the SDK's, as a fallback should a peer disagree.
   */
  @IsIn(MCP_HTTP_TRANSPORTS) MCP_HTTP_TRANSPORT: McpHttpTransport = 'gateway';

  // --- Redis queue (active when Redis is configured) ---
  /**
   * false: this gateway takes no work from the queue. The stream names are shared, not
   * prefixed: a gateway that uses Redis only for sessions (a staging one, say) must not serve
   * another deployment's requests.
   */
  @Transform(toBool) @IsBoolean() QUEUE_ENABLED = true;
  @IsString() @MinLength(1) QUEUE_REQUEST_STREAM = DEFAULT_REQUEST_STREAM;
  @IsString() @MinLength(1) QUEUE_RESPONSE_STREAM = 'mcp_responses';
  @Transform(toInt) @IsInt() @Min(1) @Max(1024) QUEUE_CONCURRENCY = 16;
  /** A pending entry whose consumer went quiet this long is reclaimed by another. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(TIMER_MAX_MS) QUEUE_VISIBILITY_TIMEOUT_MS = 60_000;
  @Transform(toInt) @IsInt() @Min(1) @Max(COUNT_MAX) QUEUE_MAX_ATTEMPTS = 3;
  @Transform(toInt) @IsInt() @Min(100) @Max(COUNT_MAX) QUEUE_RESPONSE_MAXLEN = 100_000;
  @Transform(toInt) @IsInt() @Min(60) @Max(TTL_MAX_SECONDS) QUEUE_IDEMPOTENCY_TTL_SECONDS = 86_400;
}

// Optional variables have no initializer, so they are named here explicitly.
export const ENV_KEYS: readonly string[] = [
  ...new Set([...Object.keys(new EnvSchema()), 'MCP_SERVERS_CONFIG']),
];

/** Variables whose values a start-up error must not print (a mistyped REDIS_URL has a password). */
const SECRET_VARIABLES = new Set([
  'REDIS_URL',
  'REDIS_PASSWORD',
  'OPENAI_API_KEY',
  'GATEWAY_API_KEYS',
]);

/** Validates the raw environment; throws one message naming every bad variable. */
export function validateEnv(raw: Record<string, unknown>): EnvSchema {
  // An empty value means "use the default", as in most .env tooling.
  const known: Record<string, unknown> = Object.fromEntries(
    ENV_KEYS.filter((k) => raw[k] !== undefined && raw[k] !== '').map((k) => [k, raw[k]]),
  );
  // Platforms that pick the port (Cloud Run, Heroku, Render...) say it in PORT.
  const portFromPort =
    known.GATEWAY_PORT === undefined && raw.PORT !== undefined && raw.PORT !== '';
  if (portFromPort) known.GATEWAY_PORT = raw.PORT;
  const env = plainToInstance(EnvSchema, known);
  const errors = validateSync(env, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map(
      // A value that is not a number at all breaks its range checks too; say the one thing.
      (e) => {
        const constraints = e.constraints ?? {};
        const said = constraints.isInt ?? Object.values(constraints).join('; ');
        const name = e.property === 'GATEWAY_PORT' && portFromPort ? 'PORT' : e.property;
        const shown = SECRET_VARIABLES.has(e.property) ? '"[redacted]"' : JSON.stringify(e.value);
        return `  ${name}=${shown}: ${said}`;
      },
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  // Here, not when the router is built: a failure during dependency injection comes with the
  // framework's stack trace in front of it.
  const modelStrategy = env.SEARCH_STRATEGY === 'hybrid' || env.SEARCH_STRATEGY === 'llm';
  if (modelStrategy && !env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    throw new Error(
      `Invalid configuration:\n  SEARCH_STRATEGY=${env.SEARCH_STRATEGY} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)`,
    );
  }
  const allowlistProblem = stdioAllowlistProblem(parseStdioAllowlist(env.GATEWAY_STDIO_ALLOWLIST));
  if (allowlistProblem !== undefined) {
    throw new Error(`Invalid configuration:\n  GATEWAY_STDIO_ALLOWLIST: ${allowlistProblem}`);
  }
  const envKeyProblem = envAllowlistProblem(parseEnvAllowlist(env.GATEWAY_STDIO_ENV_ALLOWLIST));
  if (envKeyProblem !== undefined) {
    throw new Error(`Invalid configuration:\n  GATEWAY_STDIO_ENV_ALLOWLIST: ${envKeyProblem}`);
  }
  if (env.TOOL_CALL_TIMEOUT_MS > env.TOOL_CALL_TIMEOUT_MAX_MS) {
    throw new Error(
      `Invalid configuration:\n  TOOL_CALL_TIMEOUT_MS=${env.TOOL_CALL_TIMEOUT_MS}: must not exceed TOOL_CALL_TIMEOUT_MAX_MS (${env.TOOL_CALL_TIMEOUT_MAX_MS})`,
    );
  }
  // Set, yet no key in it (',' or spaces): read as "no keys", it would open the gateway to
  // whoever reaches it while the operator believes it closed.
  if (
    env.GATEWAY_API_KEYS !== undefined &&
    !env.GATEWAY_API_KEYS.split(',').some((e) => e.trim())
  ) {
    throw new Error(
      'Invalid configuration:\n  GATEWAY_API_KEYS: set, but holds no key (only commas and spaces); ' +
        'give <key>=<scope>[+<scope>...], or leave it unset',
    );
  }
  const keysGiven = env.GATEWAY_API_KEYS !== undefined || env.GATEWAY_API_KEYS_FILE !== undefined;
  assertKeysBeyondLoopback(env.GATEWAY_HOST, keysGiven ? 1 : 0, env.GATEWAY_ALLOW_UNAUTHENTICATED);
  return env;
}

/**
 * Listening beyond loopback needs API keys. Checked on the variables here, and again on the
 * keys actually loaded (checkConfiguration): what counts is a key, not a variable being set.
 */
export function assertKeysBeyondLoopback(
  host: string,
  keysLoaded: number,
  allowUnauthenticated: boolean,
): void {
  if (isLoopbackHost(host) || keysLoaded > 0 || allowUnauthenticated) return;
  throw new Error(
    `Invalid configuration:\n  GATEWAY_HOST=${JSON.stringify(host)}: listening beyond loopback needs API keys ` +
      '(GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE, with at least one key); set GATEWAY_ALLOW_UNAUTHENTICATED=true only if something else guards the gateway',
  );
}

export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}
