import { ApiProperty } from '@nestjs/swagger';

/**
 * The body of GET /health while serving (200); not serving (503), the same fields beside those
 * of the error body.
 */
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
