import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export class AnalyticsQueryDto {
  @ApiPropertyOptional({
    description:
      'Start of the window: a duration back from now (`30s`, `15m`, `24h`, `1d`) or an ISO ' +
      'date-time with a zone; at most 24h back. Windows from the last hour are exact to the ' +
      'minute, longer ones start on the hour.',
    default: '24h',
    example: '15m',
  })
  @IsOptional()
  @IsString()
  since?: string;

  @ApiPropertyOptional({
    description: 'How many tools `top_tools` lists',
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 10,
    example: 5,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  top?: number;
}
