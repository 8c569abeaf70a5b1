import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NotRateLimited, RequireScopes } from '../../auth/auth.decorators.js';
import { GatewayMetrics } from './gateway-metrics.js';

@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get()
  @RequireScopes('metrics')
  @NotRateLimited()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics, text exposition format (for scrapers, not JSON)',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The metrics, Prometheus text format',
    schema: {
      type: 'string',
      example:
        '# HELP mcp_gateway_tool_calls_total Tool calls through any door, by server, tool and outcome\n' +
        '# TYPE mcp_gateway_tool_calls_total counter\n' +
        'mcp_gateway_tool_calls_total{server="demo",tool="demo__echo",outcome="ok"} 42\n',
    },
  })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    return this.metrics.scrape();
  }
}
