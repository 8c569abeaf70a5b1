import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** A tool definition as answers show it. */
export class DefinitionDto {
  @ApiPropertyOptional({ example: 'Echo' }) title?: string;
  @ApiProperty({ example: 'Returns the message it was given' }) description: string;
  @ApiProperty({
    example: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  })
  input_schema: Record<string, unknown>;
  @ApiPropertyOptional() output_schema?: Record<string, unknown>;
  @ApiPropertyOptional({ example: { readOnlyHint: true } }) annotations?: Record<string, unknown>;
}

export class ToolDto extends DefinitionDto {
  @ApiProperty({ example: 'demo__echo' }) name: string;
  @ApiProperty({ example: 'demo' }) server: string;
  @ApiProperty({ example: 'echo', description: "The upstream server's own name" }) tool: string;
}

export class ToolListDto {
  @ApiProperty({ type: [ToolDto] }) tools: ToolDto[];
  @ApiProperty({ type: 'integer', example: 3 }) count: number;
}

export class QuarantinedToolDto extends ToolDto {
  @ApiPropertyOptional({
    type: DefinitionDto,
    description:
      'The definition served before the change, to compare with; absent when this process never served it (the change came while the gateway was down)',
  })
  pinned_definition?: DefinitionDto;
}

export class QuarantinedToolListDto {
  @ApiProperty({ type: [QuarantinedToolDto] }) tools: QuarantinedToolDto[];
  @ApiProperty({ type: 'integer', example: 1 }) count: number;
}

export class ApproveToolRequestDto {
  @ApiProperty({
    example: 'demo__echo',
    description:
      'The quarantined tool to accept as it is now: its catalog name, or its bare name if unique',
    minLength: 1,
    maxLength: 256,
  })
  @IsString()
  @Length(1, 256)
  tool_name: string;
}

export class ApprovedToolDto {
  @ApiProperty({ type: ToolDto }) approved: ToolDto;
}
