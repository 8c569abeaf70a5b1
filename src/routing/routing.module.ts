import { Module } from '@nestjs/common';
import { RedisConnections } from '../common/redis/redis-connections.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ToolsModule } from '../tools/tools.module.js';
import { EmbeddingCache, MemoryEmbeddingCache } from './embeddings/embedding-cache.js';
import { RedisEmbeddingCache } from './embeddings/redis.embedding-cache.js';
import { LexicalToolRouter } from './lexical.tool-router.js';
import { SearchController } from './search.controller.js';
import { createToolRouter } from './tool-router.factory.js';
import { ToolRouter } from './tool-router.js';
import { ToolSearch } from './tool-search.js';
import { ToolSearchService } from './tool-search.service.js';

/** Tool search: the ToolRouter strategy chosen from SEARCH_STRATEGY, behind ToolSearch. */
@Module({
  imports: [ToolsModule],
  controllers: [SearchController],
  providers: [
    LexicalToolRouter,
    {
      provide: ToolRouter,
      useFactory: (config: GatewayConfig, lexical: LexicalToolRouter, redis: RedisConnections) =>
        createToolRouter(config.search, lexical, () => embeddingCache(redis)),
      inject: [GatewayConfig, LexicalToolRouter, RedisConnections],
    },
    { provide: ToolSearch, useClass: ToolSearchService },
  ],
  exports: [ToolSearch, ToolRouter],
})
export class RoutingModule {}

/** Redis when configured, so vectors outlive a restart and are shared by replicas. */
function embeddingCache(redis: RedisConnections): EmbeddingCache {
  const connection = redis.get();
  return connection
    ? new RedisEmbeddingCache(connection, (key) => redis.key('embedding', key))
    : new MemoryEmbeddingCache();
}
