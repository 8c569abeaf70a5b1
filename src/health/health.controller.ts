import { Public, RequireScopes } from '../auth/auth.decorators.js';
import { Controller, Get, HttpStatus, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { ErrorCode } from '../common/errors/error-code.js';
import { errorBody, type ErrorBody } from '../common/http/error-body.js';
import { ErrorDto } from '../common/http/error.dto.js';
import type { RequestWithId } from '../common/http/request-id.js';
import { HealthSummaryDto } from './dto/health-summary.dto.js';
import { HealthProbe } from './health-probe.decorator.js';
import { ServersHealthIndicator, type GatewaySummary } from './servers.health-indicator.js';

type HealthSummary = GatewaySummary & { status: string; uptime_s: number };

const NOT_SERVING =
  'Not serving: starting, draining, or fewer servers connected than READY_MIN_SERVERS';

const started = Date.now();

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly servers: ServersHealthIndicator,
  ) {}

  @Get()
  @RequireScopes('tools:read', 'tools:call', 'servers:admin', 'sessions')
  @ApiOperation({
    operationId: 'health',
    summary: 'Summary: status, connected servers, total tools (503 while starting or draining)',
  })
  @ApiExtraModels(ErrorDto, HealthSummaryDto)
  @ApiResponse({ status: 200, description: 'Serving', type: HealthSummaryDto })
  @ApiResponse({
    status: 503,
    description:
      'Starting or stopping: the error body (code NOT_READY) with the summary fields beside it',
    schema: {
      allOf: [
        { $ref: getSchemaPath(ErrorDto) },
        { $ref: getSchemaPath(HealthSummaryDto) },
        {
          properties: {
            status: { type: 'string', enum: ['unavailable'] },
            code: { type: 'string', enum: [ErrorCode.NOT_READY] },
          },
        },
      ],
    },
  })
  async summary(
    @Req() req: RequestWithId,
    @Res({ passthrough: true }) res: Response,
  ): Promise<HealthSummary | (ErrorBody & HealthSummary)> {
    const serving = this.servers.serving;
    const summary = {
      status: serving ? 'ok' : 'unavailable',
      ...(await this.servers.summary()),
      uptime_s: Math.round((Date.now() - started) / 1000),
    };
    if (serving) return summary;
    // Every 4xx/5xx body is the error body (API.md); a dashboard still reads the figures.
    res.status(HttpStatus.SERVICE_UNAVAILABLE);
    const status = HttpStatus.SERVICE_UNAVAILABLE;
    return {
      ...errorBody(status, NOT_SERVING, { code: ErrorCode.NOT_READY, requestId: req.requestId }),
      ...summary,
    };
  }

  @Get('live')
  @Public()
  @HealthProbe()
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process answers' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @Public()
  @HealthProbe()
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness: not draining, servers file connected, READY_MIN_SERVERS met',
  })
  ready() {
    return this.health.check([() => this.servers.checkServers()]);
  }
}
