import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every variable the gateway reads, with its default. `.env.example` lists the same names;
 * a test keeps the two in step.
 */
export class EnvSchema {
  @IsString() @MinLength(1) GATEWAY_HOST = 'localhost';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535) GATEWAY_PORT = 8000;

  @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';

  /** Path of the servers file (Claude Desktop `mcpServers` JSON). */
  @IsOptional() @IsString() MCP_SERVERS_CONFIG?: string;

  @Transform(toInt) @IsInt() @Min(1) TOOL_CALL_TIMEOUT_MS = 60_000;

  /** Upper bound on a caller's `timeout_ms`, so no request can pin a call forever. */
  @Transform(toInt) @IsInt() @Min(1) TOOL_CALL_TIMEOUT_MAX_MS = 600_000;

  /** How long one server may take to start and finish the MCP handshake. */
  @Transform(toInt) @IsInt() @Min(100) SERVER_CONNECT_TIMEOUT_MS = 30_000;

  /** Comma-separated bare command names that servers added over the API may run. */
  @IsString() GATEWAY_STDIO_ALLOWLIST = '';

  /** How long a stdio server gets between SIGTERM and SIGKILL when it is closed. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000) STDIO_KILL_GRACE_MS = 2_000;

  @Transform(toInt) @IsInt() @Min(1024) MAX_BODY_BYTES = 1_048_576;
}

// Optional variables have no initializer, so they are named here explicitly.
export const ENV_KEYS: readonly string[] = [
  ...new Set([...Object.keys(new EnvSchema()), 'MCP_SERVERS_CONFIG']),
];

/** Validates the raw environment; throws one message naming every bad variable. */
export function validateEnv(raw: Record<string, unknown>): EnvSchema {
  // An empty value means "use the default", as in most .env tooling.
  const known = Object.fromEntries(
    ENV_KEYS.filter((k) => raw[k] !== undefined && raw[k] !== '').map((k) => [k, raw[k]]),
  );
  const env = plainToInstance(EnvSchema, known);
  const errors = validateSync(env, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `  ${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (env.TOOL_CALL_TIMEOUT_MS > env.TOOL_CALL_TIMEOUT_MAX_MS) {
    throw new Error(
      `Invalid configuration:\n  TOOL_CALL_TIMEOUT_MS=${env.TOOL_CALL_TIMEOUT_MS}: must not exceed TOOL_CALL_TIMEOUT_MAX_MS (${env.TOOL_CALL_TIMEOUT_MAX_MS})`,
    );
  }
  return env;
}
