import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { GatewayConfig, type RedisSettings } from '../../config/gateway-config.js';

/**
 * The gateway's Redis connections, opened on first use and closed at shutdown. Features ask
 * for a named connection; blocking readers (XREADGROUP BLOCK, SUBSCRIBE) must use their own
 * name so they never stall the shared one. Undefined everywhere when Redis is not configured.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly connections = new Map<string, Redis>();
  readonly settings: RedisSettings | undefined;

  constructor(config: GatewayConfig) {
    this.settings = config.redis;
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** Every key the gateway writes starts with this (REDIS_KEY_PREFIX). */
  key(...parts: string[]): string {
    return `${this.settings?.keyPrefix ?? ''}${parts.join(':')}`;
  }

  /** A named connection, or undefined when Redis is not configured. */
  get(name = 'shared'): Redis | undefined {
    if (!this.settings) return undefined;
    let connection = this.connections.get(name);
    if (!connection) {
      connection = this.open(this.settings, name);
      this.connections.set(name, connection);
    }
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private open(settings: RedisSettings, name: string): Redis {
    const options = {
      connectionName: `mcp-gateway:${name}`,
      // Retry forever with a capped back-off: a Redis restart must not kill the gateway.
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 5000),
      maxRetriesPerRequest: null,
      password: settings.password,
    };
    const connection = settings.url
      ? new Redis(settings.url, options)
      : new Redis({ ...options, host: settings.host, port: settings.port });
    let lastError = '';
    connection.on('error', (error: Error) => {
      // ioredis emits the same error on every retry; log each distinct one once.
      if (error.message !== lastError) this.logger.warn(`${name}: ${error.message}`);
      lastError = error.message;
    });
    connection.on('ready', () => {
      lastError = '';
    });
    return connection;
  }
}
