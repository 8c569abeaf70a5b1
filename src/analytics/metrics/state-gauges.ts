import { Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Gauge } from 'prom-client';
import { errorMessage } from '../../common/errors/error-message.js';
import { RedisLiveness } from '../../health/redis-liveness.js';
import { ScopeRegistries } from '../../servers/scope-registries.js';
import type { ServerStatus } from '../../servers/server-connection.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { QueueStats } from '../queue-stats.js';
import { withTimeout } from '../with-timeout.js';
import { GatewayMetrics } from './gateway-metrics.js';

const STATUSES: readonly ServerStatus[] = ['connecting', 'connected', 'failed', 'closed'];
/** A scrape must answer even when Redis hangs: a slow source keeps its last value. */
const SOURCE_TIMEOUT_MS = 2000;

/**
 * Gauges read at scrape time (collect callbacks), never kept up to date on the hot path:
 * servers by scope and status, sessions, queue backlog. Sessions and the queue are optional
 * and live in modules that (will) depend on this one, so they are found through ModuleRef
 * once the app is built instead of imported: no module cycle, and absent means no gauge.
 */
@Injectable()
export class StateGauges implements OnApplicationBootstrap {
  private readonly logger = new Logger('Metrics');
  private readonly warned = new Set<string>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly scopes: ScopeRegistries,
    private readonly moduleRef: ModuleRef,
    @Optional() private sessions?: SessionsService,
    @Optional() private queue?: QueueStats,
  ) {}

  onApplicationBootstrap(): void {
    this.sessions ??= this.find(SessionsService);
    this.queue ??= this.find(QueueStats);
    this.registerServers();
    this.registerStdioProcesses();
    const redis = this.find(RedisLiveness);
    if (redis?.enabled) this.registerRedis(redis);
    if (this.sessions) this.registerSessions(this.sessions);
    if (this.queue) this.registerQueue(this.queue);
  }

  private registerServers(): void {
    const scopes = this.scopes;
    const sessions = () => this.sessions;
    const gauge: Gauge<'scope' | 'status'> = new Gauge({
      name: 'mcp_gateway_servers',
      help: 'Upstream servers by scope (global, session) and status (connecting, connected, failed, closed)',
      labelNames: ['scope', 'status'],
      registers: [this.metrics.registry],
      collect() {
        const counts = { global: zeroes(), session: zeroes() };
        for (const server of scopes.global.list()) counts.global[server.status]++;
        const runtimes = sessions()?.runtimes;
        for (const id of runtimes?.ids() ?? []) {
          for (const server of runtimes?.peek(id)?.list() ?? []) counts.session[server.status]++;
        }
        for (const scope of ['global', 'session'] as const) {
          for (const status of STATUSES) gauge.set({ scope, status }, counts[scope][status]);
        }
      },
    });
  }

  private registerStdioProcesses(): void {
    const budget = this.scopes.stdioProcesses;
    const gauge: Gauge = new Gauge({
      name: 'mcp_gateway_stdio_processes',
      help: 'Stdio server processes running in this process; STDIO_MAX_PROCESSES bounds those of sessions and API adds',
      registers: [this.metrics.registry],
      collect() {
        gauge.set(budget.size);
      },
    });
  }

  private registerRedis(redis: RedisLiveness): void {
    const up: Gauge = new Gauge({
      name: 'mcp_gateway_redis_up',
      help: '1 while Redis answers commands; sessions and shared limits need it',
      registers: [this.metrics.registry],
      async collect() {
        up.set((await redis.answering()) ? 1 : 0);
      },
    });
  }

  private registerSessions(sessions: SessionsService): void {
    const read = (what: string, fetch: () => Promise<number>) => this.read(what, fetch);
    const registers = [this.metrics.registry];
    const live: Gauge = new Gauge({
      name: 'mcp_gateway_sessions',
      help: 'Live sessions in the session store (all replicas when it is Redis)',
      registers,
      async collect() {
        const count = await read('sessions', async () => (await sessions.list()).length);
        if (count !== undefined) live.set(count);
      },
    });
    const local: Gauge = new Gauge({
      name: 'mcp_gateway_session_runtimes',
      help: 'Sessions whose server connections are open in this process',
      registers,
      collect() {
        local.set(sessions.runtimes.size);
      },
    });
  }

  private registerQueue(queue: QueueStats): void {
    const registers = [this.metrics.registry];
    // Both gauges come from one stats() call per scrape.
    let latest: { at: number; stats: Promise<{ pending: number; dead: number } | undefined> };
    const stats = () => {
      if (!latest || Date.now() - latest.at > 500) {
        latest = { at: Date.now(), stats: this.read('queue', () => queue.stats()) };
      }
      return latest.stats;
    };
    const pending: Gauge = new Gauge({
      name: 'mcp_gateway_queue_pending_messages',
      help: 'Queue requests waiting or in progress',
      registers,
      async collect() {
        const s = await stats();
        if (s) pending.set(s.pending);
      },
    });
    const dead: Gauge = new Gauge({
      name: 'mcp_gateway_queue_dead_letter_messages',
      help: 'Queue requests moved to the dead-letter stream',
      registers,
      async collect() {
        const s = await stats();
        if (s) dead.set(s.dead);
      },
    });
  }

  /** The source's value, or undefined (logged once per distinct failure) when it fails. */
  private async read<T>(what: string, fetch: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await withTimeout(
        fetch(),
        SOURCE_TIMEOUT_MS,
        () => new Error(`no answer within ${SOURCE_TIMEOUT_MS} ms`),
      );
      this.warned.delete(what);
      return value;
    } catch (error) {
      if (!this.warned.has(what)) this.logger.warn(`${what} gauge: ${errorMessage(error)}`);
      this.warned.add(what);
      return undefined;
    }
  }

  private find<T>(token: abstract new (...args: never[]) => T): T | undefined {
    try {
      return this.moduleRef.get(token, { strict: false });
    } catch {
      return undefined;
    }
  }
}

function zeroes(): Record<ServerStatus, number> {
  return { connecting: 0, connected: 0, failed: 0, closed: 0 };
}
