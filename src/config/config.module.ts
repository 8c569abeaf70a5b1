import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { assertKeysBeyondLoopback, validateEnv } from './env.schema.js';
import { ApiKeys } from '../auth/api-keys.js';
import { GatewayConfig } from './gateway-config.js';

export interface ConfigOptions {
  /** Values that win over the process environment (tests, embedding). */
  env?: Record<string, string | undefined>;
  /** Folder that relative paths (the servers file) resolve against; the process cwd by default. */
  cwd?: string;
}

/** Validates everything a start needs from the environment; throws naming the variable. */
export function checkConfiguration(options: ConfigOptions = {}): GatewayConfig {
  const config = new GatewayConfig(validateEnv({ ...process.env, ...options.env }), options.cwd);
  void config.serversConfigPath;
  const { apiKeys, apiKeysFile, allowUnauthenticated } = config.security;
  const keys = ApiKeys.load(apiKeys, apiKeysFile);
  assertKeysBeyondLoopback(config.host, keys.size, allowUnauthenticated);
  return config;
}

/**
 * Loads `.env` when present (into the process environment, never over a variable already
 * set), validates everything at boot, and exposes only the typed GatewayConfig.
 */
@Module({})
export class ConfigModule {
  static register(options: ConfigOptions = {}): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      imports: [NestConfigModule.forRoot({ cache: true })],
      providers: [
        {
          provide: GatewayConfig,
          useFactory: () =>
            new GatewayConfig(validateEnv({ ...process.env, ...options.env }), options.cwd),
        },
      ],
      exports: [GatewayConfig],
    };
  }
}
