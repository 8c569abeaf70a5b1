import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FreeFormObject } from '../../common/http/free-form-object.decorator.js';
import { ServerDto } from '../../servers/dto/servers.dto.js';
import { ToolDto } from '../../tools/dto/tool.dto.js';

export class CreateSessionRequestDto {
  @ApiPropertyOptional({
    nullable: true,
    example: { user: 'alice', agent: 'support-bot' },
    description: 'Free-form, bounded by SESSION_METADATA_MAX_BYTES',
  })
  @FreeFormObject({ optional: true })
  metadata?: Record<string, unknown>;
}

export class CreatedSessionDto {
  @ApiProperty({ example: 'sess_4Qm0c9ZyT1b8XkPq2LrVw7' }) session_id: string;
  @ApiProperty({ example: '2026-11-27T14:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-11-27T15:00:00.000Z', description: 'Slides forward on every use' })
  expires_at: string;
  @ApiProperty({ example: { user: 'alice' } }) metadata: Record<string, unknown>;
  @ApiProperty({ type: [ServerDto] }) servers: ServerDto[];
}

export class SessionDto extends CreatedSessionDto {
  @ApiProperty({ example: '2026-11-27T14:05:00.000Z' }) last_active_at: string;
  @ApiProperty({ type: [ToolDto] }) tools: ToolDto[];
}

export class SessionSummaryDto {
  @ApiProperty({ example: 'sess_4Qm0c9ZyT1b8XkPq2LrVw7' }) session_id: string;
  @ApiProperty() created_at: string;
  @ApiProperty() last_active_at: string;
  @ApiProperty() expires_at: string;
  @ApiProperty({ example: { user: 'alice' } }) metadata: Record<string, unknown>;
  @ApiProperty({ type: 'integer', example: 1 }) server_count: number;
  @ApiProperty({
    type: 'integer',
    example: 3,
    nullable: true,
    description:
      'Null when this replica has not connected the session yet (it connects on first use)',
  })
  tool_count: number | null;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionSummaryDto] }) sessions: SessionSummaryDto[];
}

export class DeletedSessionDto {
  @ApiProperty({ example: 'sess_4Qm0c9ZyT1b8XkPq2LrVw7' }) deleted: string;
}
