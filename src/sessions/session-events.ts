import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RedisConnections } from '../common/redis/redis-connections.js';

/**
 * Tells every replica that a session is gone, so each closes its own connections for it.
 * Fire-and-forget over Redis pub/sub: a replica that misses the message still finds the
 * record gone on its next sweep or use. Without Redis there is one process and nothing to say.
 */
@Injectable()
export class SessionEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionEvents.name);
  private readonly channel: string;
  private unsubscribe?: () => Promise<void>;

  constructor(private readonly redis: RedisConnections) {
    this.channel = redis.key('events', 'session-deleted');
  }

  async onDeleted(handler: (sessionId: string) => void): Promise<void> {
    const subscriber = this.redis.get('session-events');
    if (!subscriber) return;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) handler(message);
    });
    await subscriber.subscribe(this.channel);
    this.unsubscribe = async () => {
      // Its connection waits out outages; a shutdown must not wait with it.
      if (subscriber.status === 'ready') await subscriber.unsubscribe(this.channel);
    };
  }

  async publishDeleted(sessionId: string): Promise<void> {
    try {
      await this.redis.get()?.publish(this.channel, sessionId);
    } catch (error) {
      this.logger.warn(`could not broadcast deletion of ${sessionId}: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.().catch(() => undefined);
  }
}
