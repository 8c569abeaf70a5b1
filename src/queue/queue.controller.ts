import { Controller, Optional, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { ToolSearch, type SearchResponse } from '../routing/tool-search.js';
import type { ServerView } from '../servers/server-view.js';
import { ServersService } from '../servers/servers.service.js';
import { ToolsService, type ExecuteResult, type ToolView } from '../tools/tools.service.js';
import {
  effectiveTimeoutMs,
  type ExecuteQueueRequest,
  type ListServersQueueRequest,
  type ListToolsQueueRequest,
  type SearchQueueRequest,
} from './queue-message.js';
import { RethrowRpcFilter } from './rethrow.rpc-filter.js';

/**
 * The queue door: one handler per `op`, each a delegation to the service the REST controller
 * uses, returning the same body. Payloads arrive validated by the transport.
 */
@Controller()
@UseFilters(RethrowRpcFilter)
export class QueueController {
  constructor(
    private readonly tools: ToolsService,
    private readonly servers: ServersService,
    // Optional so the queue works in builds without a search implementation.
    @Optional() private readonly toolSearch?: ToolSearch,
  ) {}

  @MessagePattern('execute')
  execute(@Payload() request: ExecuteQueueRequest): Promise<ExecuteResult> {
    return this.tools.execute(
      {
        toolName: request.tool_name,
        args: request.args,
        timeoutMs: effectiveTimeoutMs(request),
        door: 'queue',
      },
      request.session_id,
    );
  }

  @MessagePattern('search')
  search(@Payload() request: SearchQueueRequest): Promise<SearchResponse> {
    if (!this.toolSearch) {
      throw new GatewayError(ErrorCode.NOT_READY, 'Tool search is not available in this gateway');
    }
    return this.toolSearch.search(
      { query: request.query, limit: request.limit, servers: request.servers, door: 'queue' },
      request.session_id,
    );
  }

  @MessagePattern('list_tools')
  async listTools(
    @Payload() request: ListToolsQueueRequest,
  ): Promise<{ tools: ToolView[]; count: number }> {
    const tools = await this.tools.list(request.session_id);
    return { tools, count: tools.length };
  }

  @MessagePattern('list_servers')
  async listServers(
    @Payload() request: ListServersQueueRequest,
  ): Promise<{ servers: ServerView[] }> {
    return { servers: await this.servers.list(request.session_id) };
  }
}
