import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorDto } from '../common/http/error.dto.js';
import type { AnalyticsReport } from './analytics-report.js';
import { AnalyticsService } from './analytics.service.js';
import { AnalyticsQueryDto } from './dto/analytics-query.dto.js';
import { AnalyticsReportDto } from './dto/analytics-report.dto.js';

@ApiTags('observability')
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get()
  @ApiOperation({
    operationId: 'getAnalytics',
    summary:
      'Tool usage over a window: calls, errors, latency percentiles, per tool, server and session',
  })
  @ApiOkResponse({ description: 'The figures of the window', type: AnalyticsReportDto })
  @ApiResponse({
    status: 400,
    description: 'Bad `since` or `top` (INVALID_REQUEST)',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 503,
    description: 'The Redis store does not answer (NOT_READY)',
    type: ErrorDto,
  })
  report(@Query() query: AnalyticsQueryDto): Promise<AnalyticsReport> {
    return this.analytics.report(query);
  }
}
