import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const TOOL_KEY =
  'Catalog name; "(unknown)" for calls to a name no tool in scope has, "(other)" for tools past the key cap';

/** Swagger shapes of GET /analytics; the service builds the plain objects (analytics-report.ts). */
class WindowDto {
  @ApiProperty({
    example: '2025-06-01T11:45:00.000Z',
    description: 'Start, rounded down to its bucket',
  })
  since: string;
  @ApiProperty({ example: '2025-06-01T12:00:12.345Z' }) until: string;
  @ApiProperty({ example: '15m', description: 'The `since` that was asked for' }) requested: string;
  @ApiProperty({ enum: ['minute', 'hour'], example: 'minute' }) resolution: string;
}

class CallStatsDto {
  @ApiProperty({ type: 'integer', example: 120 }) calls: number;
  @ApiProperty({ type: 'integer', example: 3, description: 'Failed calls, tool_errors included' })
  errors: number;
  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Calls whose tool answered isError: true',
  })
  tool_errors: number;
  @ApiProperty({ example: 0.025, description: 'errors / calls' }) error_rate: number;
  @ApiProperty({
    example: 12.7,
    nullable: true,
    type: Number,
    description: 'Median latency, ms (within ~12%)',
  })
  p50_ms: number | null;
  @ApiProperty({ example: 80.64, nullable: true, type: Number }) p95_ms: number | null;
  @ApiProperty({ example: 203.19, nullable: true, type: Number }) p99_ms: number | null;
  @ApiProperty({ example: '2025-06-01T11:59:58.120Z', nullable: true, type: String })
  last_used: string | null;
}

class ToolStatsDto extends CallStatsDto {
  @ApiProperty({ example: 'demo__echo', description: TOOL_KEY })
  tool: string;
}

class ServerStatsDto extends CallStatsDto {
  @ApiProperty({ example: 'demo' }) server: string;
}

class SessionStatsDto extends CallStatsDto {
  @ApiProperty({ example: 'sess_4f9TzQ1bX8kLmN2pQrStUv' }) session_id: string;
}

class TopToolDto {
  @ApiProperty({
    example: 'demo__echo',
    description: 'Catalog name; never "(unknown)" or "(other)", which only `tools` lists',
  })
  tool: string;
  @ApiProperty({ type: 'integer', example: 120 }) calls: number;
  @ApiProperty({ example: 0.025 }) error_rate: number;
}

class DoorStatsDto {
  @ApiProperty({ enum: ['rest', 'mcp', 'queue'], example: 'rest' }) door: string;
  @ApiProperty({ type: 'integer', example: 100 }) calls: number;
  @ApiProperty({ type: 'integer', example: 2 }) errors: number;
  @ApiProperty({ example: 0.02 }) error_rate: number;
}

class ErrorCodeCountDto {
  @ApiProperty({ example: 'UPSTREAM_TIMEOUT', description: 'GatewayError code, or TOOL_ERROR' })
  code: string;
  @ApiProperty({ type: 'integer', example: 2 }) count: number;
}

class SearchStatsDto {
  @ApiProperty({ type: 'integer', example: 42 }) searches: number;
  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Searches answered with an error (e.g. an unknown server in `servers`)',
  })
  errors: number;
  @ApiProperty({ example: 1.6, nullable: true, type: Number }) p50_ms: number | null;
  @ApiProperty({ example: 4.2, nullable: true, type: Number }) p95_ms: number | null;
  @ApiProperty({ example: 9.87, nullable: true, type: Number }) p99_ms: number | null;
  @ApiProperty({ example: 4.5 }) avg_results: number;
  @ApiProperty({ example: 0.05, description: 'Share of searches that found nothing' })
  zero_result_rate: number;
  @ApiProperty({ example: 27.3, description: 'Mean query length, characters' })
  avg_query_length: number;
  @ApiProperty({ example: '2025-06-01T11:59:40.002Z', nullable: true, type: String })
  last_used: string | null;
}

class StrategyStatsDto extends SearchStatsDto {
  @ApiProperty({ example: 'lexical', description: 'First word of the strategy that ranked' })
  strategy: string;
}

class RecentQueryDto {
  @ApiProperty({ example: '2025-06-01T11:59:40.002Z' }) at: string;
  @ApiProperty({ example: 'what time is it in Paris' }) query: string;
  @ApiProperty({ example: 'lexical' }) strategy: string;
  @ApiProperty({ type: 'integer', example: 3 }) result_count: number;
  @ApiProperty({ example: 'rest' }) door: string;
}

class SearchDoorStatsDto {
  @ApiProperty({ enum: ['rest', 'mcp', 'queue'], example: 'rest' }) door: string;
  @ApiProperty({ type: 'integer', example: 40 }) searches: number;
  @ApiProperty({ type: 'integer', example: 1 }) errors: number;
}

class SearchesDto extends SearchStatsDto {
  @ApiProperty({
    type: [StrategyStatsDto],
    description: '"(none)" holds the searches that failed before any strategy ranked',
  })
  strategies: StrategyStatsDto[];
  @ApiProperty({ type: [SearchDoorStatsDto], description: 'Busiest door first' })
  doors: SearchDoorStatsDto[];
  @ApiPropertyOptional({
    type: [RecentQueryDto],
    description: 'Newest first, at most 50; only with ANALYTICS_STORE_QUERIES=true',
  })
  recent_queries?: RecentQueryDto[];
}

export class AnalyticsReportDto {
  @ApiProperty({ type: WindowDto }) window: WindowDto;
  @ApiProperty({
    enum: ['memory', 'redis'],
    example: 'redis',
    description: 'redis: figures of every replica; memory: this process only',
  })
  store: string;
  @ApiProperty({ type: CallStatsDto, description: 'Every tool call in the window' })
  totals: CallStatsDto;
  @ApiProperty({ type: [TopToolDto], description: 'Most called tools first (`top` of them)' })
  top_tools: TopToolDto[];
  @ApiProperty({ type: [ToolStatsDto], description: 'Most called first' }) tools: ToolStatsDto[];
  @ApiProperty({ type: [ServerStatsDto] }) servers: ServerStatsDto[];
  @ApiProperty({ type: [SessionStatsDto], description: 'Calls made in a session scope' })
  sessions: SessionStatsDto[];
  @ApiProperty({ type: [DoorStatsDto] }) doors: DoorStatsDto[];
  @ApiProperty({ type: [ErrorCodeCountDto] }) error_codes: ErrorCodeCountDto[];
  @ApiProperty({ type: SearchesDto }) searches: SearchesDto;
}
