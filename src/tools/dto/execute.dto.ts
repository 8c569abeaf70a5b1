import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { FreeFormObject } from '../../common/http/free-form-object.decorator.js';

export class ExecuteRequestDto {
  @ApiProperty({
    example: 'demo__echo',
    description: 'Namespaced name, or a bare name unique in scope',
  })
  @IsString()
  @Length(1, 256)
  tool_name: string;

  @ApiPropertyOptional({
    example: { message: 'hello' },
    description: "Checked against the tool's input schema",
  })
  @FreeFormObject({ optional: true })
  args?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'integer',
    example: 30000,
    minimum: 1,
    description:
      'Per-call timeout in ms; defaults to TOOL_CALL_TIMEOUT_MS. A value above TOOL_CALL_TIMEOUT_MAX_MS ' +
      '(600000 unless configured) is accepted, not refused, and quietly capped at that maximum.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  timeout_ms?: number;
}

export class ExecuteResponseDto {
  @ApiProperty({ example: 'demo__echo' }) tool_name: string;
  @ApiProperty({ example: 'demo' }) server: string;
  @ApiProperty({
    description:
      'The MCP CallToolResult as the server sent it: content, structuredContent?, and isError (false when the server left it out)',
    example: { content: [{ type: 'text', text: 'hello' }], isError: false },
  })
  result: Record<string, unknown>;
  @ApiProperty({ example: 1.8 }) took_ms: number;
}

/** The original gateway's `POST /tool` body. */
export class LegacyToolCallDto {
  @ApiProperty({ example: 'echo' }) @IsString() @Length(1, 256) name: string;
  @ApiPropertyOptional({ example: { message: 'hello' } })
  @FreeFormObject({ optional: true })
  arguments?: Record<string, unknown>;
}
