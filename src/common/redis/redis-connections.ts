import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { GatewayConfig, type RedisSettings } from '../../config/gateway-config.js';

/**
 * Connections of background loops (the queue, pub/sub), which wait out an outage and carry
 * on. Every other connection serves requests and fails fast instead: no offline queue, so a
 * command sent while Redis is away fails at once rather than hanging the request and running
 * minutes later for a caller who has gone (it queues only until the first connect); and a
 * bound on every command.
 */
const PATIENT = new Set([
  'queue',
  'queue:reader',
  'session-events',
  'tool-pin-events',
  'mcp-session-events',
]);
/** The longest a request waits on one Redis command. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;
/** How long start-up waits for Redis before it fails, saying so. */
const START_TIMEOUT_MS = 10_000;
/** How long shutdown waits for a clean QUIT before it drops a connection. */
const QUIT_TIMEOUT_MS = 1000;
/** How long a disconnected socket may take to close before it is destroyed (ioredis: 2 s). */
const DISCONNECT_GRACE_MS = 200;

/**
 * The gateway's Redis connections, opened on first use and closed at shutdown. Features ask
 * for a named connection; blocking readers (XREADGROUP BLOCK, SUBSCRIBE) must use their own
 * name so they never stall the shared one. Undefined everywhere when Redis is not configured.
 */
@Injectable()
export class RedisConnections implements OnModuleInit, OnApplicationShutdown {
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

  /**
   * Waits for the request connection, so that the first requests find it open (it keeps no
   * offline queue) and a Redis that cannot be reached stops the start with a clear error.
   */
  async onModuleInit(): Promise<void> {
    const connection = this.get();
    if (!connection || connection.status === 'ready') return;
    let lastError = '';
    const onError = (error: Error) => (lastError = error.message);
    connection.on('error', onError);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          connection.off('ready', ready);
          reject(
            new Error(
              `Redis at ${this.where()} did not answer within ${START_TIMEOUT_MS / 1000} s` +
                (lastError ? ` (${lastError})` : '') +
                '; check REDIS_URL (or REDIS_HOST/REDIS_PORT) and that Redis is running',
            ),
          );
        }, START_TIMEOUT_MS);
        const ready = () => {
          clearTimeout(timer);
          resolve();
        };
        connection.once('ready', ready);
      });
    } finally {
      connection.off('error', onError);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    // A Redis that is away must not hold the shutdown: QUIT only what is connected, briefly.
    await Promise.all(
      all.map(async (c) => {
        // Ended already (the queue reader, closed to end its blocked read): a second
        // disconnect() would arm ioredis's timer for a socket whose close has passed, and that
        // timer keeps the process alive for DISCONNECT_GRACE_MS after everything else is done.
        if (c.status === 'end') return;
        if (c.status !== 'ready') return c.disconnect();
        const timer = setTimeout(() => c.disconnect(), QUIT_TIMEOUT_MS);
        await c.quit().catch(() => c.disconnect());
        clearTimeout(timer);
      }),
    );
  }

  /** Where Redis is, for messages: host and port, never the password of a URL. */
  private where(): string {
    const s = this.settings;
    if (!s) return '(not configured)';
    if (!s.url) return `${s.host}:${s.port}`;
    try {
      const url = new URL(s.url);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return 'REDIS_URL';
    }
  }

  private open(settings: RedisSettings, name: string): Redis {
    const patient = PATIENT.has(name);
    const options = {
      connectionName: `mcp-gateway:${name}`,
      // Reconnect forever with a capped back-off: a Redis restart must not kill the gateway.
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 5000),
      maxRetriesPerRequest: null,
      // Until the first connect, commands wait (start-up order is not ours to choose).
      enableOfflineQueue: true,
      // A request connection neither waits nor replays: a command in flight when the link
      // drops fails by its timeout and is not sent again on reconnect for a caller gone.
      ...(patient
        ? {}
        : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS, autoResendUnfulfilledCommands: false }),
      password: settings.password,
      // After disconnect(), how long ioredis waits for Redis to close the socket before it
      // destroys it, on a timer that holds the process open (its default is 2 s).
      disconnectTimeout: DISCONNECT_GRACE_MS,
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
      if (!patient) connection.options.enableOfflineQueue = false;
    });
    return connection;
  }
}
