import { Injectable } from '@nestjs/common';
import { ServersService } from '../servers/servers.service.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import { ToolsService } from '../tools/tools.service.js';
import type { CreatedSessionDto, SessionDto, SessionSummaryDto } from './dto/sessions.dto.js';
import type { SessionRecord } from './session-record.js';
import { SessionsService } from './sessions.service.js';
import { sessionServers } from './session-servers.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Turns records and registries into the answers of API.md (snake_case, ISO times). */
@Injectable()
export class SessionViews {
  constructor(
    private readonly sessions: SessionsService,
    private readonly servers: ServersService,
    private readonly tools: ToolsService,
  ) {}

  async created({
    record,
  }: {
    record: SessionRecord;
    registry: ServerRegistry;
  }): Promise<CreatedSessionDto> {
    return {
      session_id: record.id,
      created_at: iso(record.createdAt),
      expires_at: iso(record.expiresAt),
      metadata: record.metadata,
      servers: await this.servers.list(record.id),
    };
  }

  async detail(id: string): Promise<SessionDto> {
    const [servers, tools] = await Promise.all([this.servers.list(id), this.tools.list(id)]);
    const record = await this.sessions.use(id);
    return {
      session_id: record.id,
      created_at: iso(record.createdAt),
      last_active_at: iso(record.lastActiveAt),
      expires_at: iso(record.expiresAt),
      metadata: record.metadata,
      servers,
      tools,
    };
  }

  summaries(records: SessionRecord[]): SessionSummaryDto[] {
    return records.map((record) => {
      const registry = this.sessions.runtimes.peek(record.id);
      return {
        session_id: record.id,
        created_at: iso(record.createdAt),
        last_active_at: iso(record.lastActiveAt),
        expires_at: iso(record.expiresAt),
        metadata: record.metadata,
        server_count: registry
          ? registry.list().length
          : sessionServers(record, this.servers.configFileSpecs).length,
        tool_count: registry ? this.tools.catalogOf(registry).size : null,
      };
    });
  }
}
