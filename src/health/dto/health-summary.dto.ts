import { ApiProperty } from '@nestjs/swagger';

/** The body of GET /health, whether serving (200) or not (503). */
export class HealthSummaryDto {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' }) status: string;
  @ApiProperty({ type: 'integer', example: 2 }) servers_total: number;
  @ApiProperty({ type: 'integer', example: 2 }) servers_connected: number;
  @ApiProperty({ type: 'integer', example: 0 }) servers_failed: number;
  @ApiProperty({ type: 'integer', example: 6 }) tools_total: number;
  @ApiProperty({
    enum: ['connected', 'unavailable', 'not configured'],
    description: 'Sessions and shared limits need it; global tools do not',
  })
  redis: string;
  @ApiProperty({ type: 'integer', example: 3600 }) uptime_s: number;
}
