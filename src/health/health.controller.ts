import { Public, RequireScopes } from '../auth/auth.decorators.js';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import { HealthSummaryDto } from './dto/health-summary.dto.js';
import { HealthProbe } from './health-probe.decorator.js';
import type { Response } from 'express';
import { ServersHealthIndicator, type GatewaySummary } from './servers.health-indicator.js';

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
  @ApiResponse({ status: 200, description: 'Serving', type: HealthSummaryDto })
  @ApiResponse({ status: 503, description: 'Starting or stopping', type: HealthSummaryDto })
  async summary(
    @Res({ passthrough: true }) res: Response,
  ): Promise<GatewaySummary & { status: string; uptime_s: number }> {
    const serving = this.servers.serving;
    res.status(serving ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: serving ? 'ok' : 'unavailable',
      ...(await this.servers.summary()),
      uptime_s: Math.round((Date.now() - started) / 1000),
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
