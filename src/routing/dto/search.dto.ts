import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Max,
  Min,
} from 'class-validator';
import { ToolDto } from '../../tools/dto/tool.dto.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../tool-search.service.js';

export class SearchRequestDto {
  @ApiProperty({
    example: 'what time is it in Tokyo',
    description: 'The need, in plain words (any language); 1-2000 characters, not blank',
    minLength: 1,
    maxLength: 2000,
  })
  @IsString()
  // No minimum length: "not blank" already refuses '', which would otherwise get two messages.
  @MaxLength(2000)
  @Matches(/\S/, { message: 'query must not be blank' })
  query: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    example: 5,
    default: DEFAULT_LIMIT,
    minimum: 1,
    maximum: MAX_LIMIT,
    description: 'How many tools to return, best first',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    example: ['demo'],
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 64 },
    nullable: true,
    minItems: 1,
    maxItems: 1000,
    description: 'Only tools of these servers (names as in GET /mcp/servers)',
  })
  @IsOptional()
  @IsArray()
  // An empty filter would match nothing: almost surely a mistake, not a wish for no results.
  @ArrayMinSize(1, { message: 'servers must name at least one server (leave it out for all)' })
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  servers?: string[];
}

export class SearchHitDto extends ToolDto {
  @ApiProperty({
    example: 4.1832,
    description: 'Relevance; comparable within one answer only (its scale depends on the strategy)',
  })
  score: number;

  @ApiProperty({
    example: "matched 'time' in name; 'tokyo' in parameter descriptions",
    description: 'Why the tool matched: the words and fields, or the model’s reason',
  })
  reasoning: string;
}

export class SearchResponseDto {
  @ApiProperty({ example: 'what time is it in Tokyo' }) query: string;

  @ApiProperty({ type: [SearchHitDto], description: 'Best first' })
  tools: SearchHitDto[];

  @ApiProperty({
    example: 'lexical',
    description:
      'What ranked: lexical, hybrid or llm; a fallback says so, e.g. "lexical (llm fallback: timeout)"',
  })
  strategy: string;

  @ApiProperty({ example: 0.42, description: 'Time spent ranking, ms' }) took_ms: number;
}
