import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RedisConnections } from '../../common/redis/redis-connections.js';

/**
 * How long an MCP session id may be taken over (restore) after it was minted; past it the
 * client gets 404 and initializes again, as the spec has it. It bounds how long an ended id
 * must be remembered.
 */
export const MCP_SESSION_MAX_AGE_MS = 24 * 60 * 60_000;
/** Ended ids remembered in memory at most (the oldest forgotten first). */
const MAX_REMEMBERED = 100_000;

/** An id as it is stored and announced: a digest, so neither Redis nor its channel holds ids. */
export function endedDigest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * MCP session ids a client ended with DELETE. The spec says such an id answers 404 from then
 * on; since any replica can rebuild a session from its id, every replica must know: in Redis
 * when configured (a key per id, expiring with the id's age limit) and announced, so that a
 * replica holding the session open closes it at once; and in this process.
 */
@Injectable()
export class EndedMcpSessions implements OnModuleInit {
  private readonly logger = new Logger('McpHttp');
  private readonly local = new Map<string, number>();
  private readonly listeners = new Set<(digest: string) => void>();
  private readonly channel: string;

  constructor(private readonly redis: RedisConnections) {
    this.channel = redis.key('events', 'mcp-session-ended');
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.get('mcp-session-events');
    if (!subscriber) return;
    subscriber.on('message', (channel: string, digest: string) => {
      if (channel === this.channel) this.tell(digest);
    });
    await subscriber.subscribe(this.channel);
  }

  /** Told of every id ended, here or on another replica, by digest. */
  onEnded(listener: (digest: string) => void): void {
    this.listeners.add(listener);
  }

  async add(id: string, issuedAt: number, now = Date.now()): Promise<void> {
    const until = issuedAt + MCP_SESSION_MAX_AGE_MS;
    if (until <= now) return;
    const digest = endedDigest(id);
    if (this.local.size >= MAX_REMEMBERED) this.forgetExpired(now);
    this.local.set(digest, until);
    const redis = this.redis.get();
    if (!redis) return;
    await redis.set(this.keyOf(digest), '1', 'PXAT', until);
    try {
      await redis.publish(this.channel, digest);
    } catch (error) {
      // The record stands; a replica holding the session open closes it when idle instead.
      this.logger.warn(`could not announce an ended MCP session: ${String(error)}`);
    }
  }

  async has(id: string, now = Date.now()): Promise<boolean> {
    const digest = endedDigest(id);
    const until = this.local.get(digest);
    if (until !== undefined && until > now) return true;
    const redis = this.redis.get();
    return redis ? (await redis.exists(this.keyOf(digest))) === 1 : false;
  }

  private tell(digest: string): void {
    for (const listener of this.listeners) listener(digest);
  }

  private keyOf(digest: string): string {
    return this.redis.key('mcp-sessions', 'ended', digest);
  }

  private forgetExpired(now: number): void {
    for (const [digest, until] of this.local) if (until <= now) this.local.delete(digest);
    // Still full: forget the oldest; Redis, when there, still remembers them.
    for (const digest of this.local.keys()) {
      if (this.local.size < MAX_REMEMBERED) break;
      this.local.delete(digest);
    }
  }
}
