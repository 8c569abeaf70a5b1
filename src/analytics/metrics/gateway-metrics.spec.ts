import { describe, expect, it } from '@jest/globals';
import { Gauge } from 'prom-client';
import { GatewayMetrics } from './gateway-metrics.js';

/** The sample lines of one metric, as `name{labels} value`. */
function samples(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('GatewayMetrics', () => {
  it('counts tool calls and searches with their labels, plus process metrics', async () => {
    const metrics = new GatewayMetrics({ store: 'memory' });
    try {
      metrics.toolCall('demo', 'demo__echo', 'ok', 12);
      metrics.toolCall('demo', 'demo__echo', 'error', 30_000, 'UPSTREAM_TIMEOUT');
      metrics.search('lexical', 3);
      const text = await metrics.scrape();
      expect(samples(text, 'mcp_gateway_tool_calls_total')).toEqual([
        'mcp_gateway_tool_calls_total{server="demo",tool="demo__echo",outcome="ok"} 1',
        'mcp_gateway_tool_calls_total{server="demo",tool="demo__echo",outcome="error"} 1',
      ]);
      expect(text).toContain(
        'mcp_gateway_tool_call_duration_seconds_bucket{le="0.025",server="demo",tool="demo__echo",outcome="ok"} 1',
      );
      expect(text).toContain('mcp_gateway_tool_call_errors_total{code="UPSTREAM_TIMEOUT"} 1');
      expect(text).toContain('mcp_gateway_searches_total{strategy="lexical"} 1');
      expect(text).toContain('mcp_gateway_search_duration_seconds_count{strategy="lexical"} 1');
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    } finally {
      metrics.onApplicationShutdown();
    }
  });

  it("spells not-a-number 'NaN', as the exposition format does", async () => {
    const metrics = new GatewayMetrics({ store: 'memory' });
    try {
      const gauge = new Gauge({ name: 'probe_ratio', help: 'x', registers: [metrics.registry] });
      gauge.set(Number.NaN);
      const text = await metrics.scrape();
      expect(samples(text, 'probe_ratio')).toEqual(['probe_ratio NaN']);
      expect(text).not.toMatch(/ Nan$/m);
    } finally {
      metrics.onApplicationShutdown();
    }
  });

  it('caps label values: new tools past the cap count as (other)', async () => {
    const metrics = new GatewayMetrics({
      store: 'memory',
      limits: { metricToolSeries: 3, metricServers: 1 },
    });
    try {
      for (let i = 0; i < 50; i++) metrics.toolCall(`s${i}`, `s${i}__t`, 'ok', 1);
      const lines = samples(await metrics.scrape(), 'mcp_gateway_tool_calls_total');
      expect(lines).toEqual([
        'mcp_gateway_tool_calls_total{server="s0",tool="s0__t",outcome="ok"} 1',
        'mcp_gateway_tool_calls_total{server="s1",tool="s1__t",outcome="ok"} 1',
        'mcp_gateway_tool_calls_total{server="s2",tool="s2__t",outcome="ok"} 1',
        'mcp_gateway_tool_calls_total{server="s3",tool="(other)",outcome="ok"} 1',
        'mcp_gateway_tool_calls_total{server="(other)",tool="(other)",outcome="ok"} 46',
      ]);
    } finally {
      metrics.onApplicationShutdown();
    }
  });

  it('keeps two instances apart (one registry each, not the global one)', async () => {
    const [a, b] = [
      new GatewayMetrics({ store: 'memory' }),
      new GatewayMetrics({ store: 'memory' }),
    ];
    try {
      a.toolCall('demo', 'demo__echo', 'ok', 1);
      expect(await a.scrape()).toContain('mcp_gateway_tool_calls_total{');
      expect(samples(await b.scrape(), 'mcp_gateway_tool_calls_total')).toEqual([]);
    } finally {
      a.onApplicationShutdown();
      b.onApplicationShutdown();
    }
  });
});
