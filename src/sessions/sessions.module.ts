import { Module } from '@nestjs/common';
import { RedisConnections } from '../common/redis/redis-connections.js';
import { ServersModule } from '../servers/servers.module.js';
import { ToolsModule } from '../tools/tools.module.js';
import { MemorySessionStore } from './memory.session-store.js';
import { RedisSessionStore } from './redis.session-store.js';
import { SessionEvents } from './session-events.js';
import { SessionStore } from './session-store.js';
import { SessionViews } from './session-views.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

/** Chosen from validated config when the module is built: Redis when configured, else memory. */
function makeSessionStore(redis: RedisConnections): SessionStore {
  const connection = redis.get();
  return connection ? new RedisSessionStore(connection, redis.key('')) : new MemorySessionStore();
}

@Module({
  imports: [ServersModule, ToolsModule],
  controllers: [SessionsController],
  providers: [
    { provide: SessionStore, useFactory: makeSessionStore, inject: [RedisConnections] },
    SessionEvents,
    SessionsService,
    SessionViews,
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
