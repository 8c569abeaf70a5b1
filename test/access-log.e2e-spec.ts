import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec } from './helpers/paths.js';
import { waitFor } from './helpers/processes.js';

/** The access log's lines (context HTTP), as `METHOD /path STATUS`. */
function recordAccessLog(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest
    .spyOn(PinoLoggerService.prototype, 'log')
    .mockImplementation((message: unknown, context?: unknown) => {
      if (context !== 'HTTP') return;
      // JSON logs get the line as `msg` next to the fields; text logs get the line itself.
      const text = typeof message === 'string' ? message : (message as { msg: string }).msg;
      lines.push(text.replace(/ [\d.]+ms$/, ''));
    });
  return { lines, restore: () => spy.mockRestore() };
}

describe('every request gets one access-log line and one count, with its route and status', () => {
  let gateway: TestGateway;
  let log: ReturnType<typeof recordAccessLog>;

  const metric = async (method: string, route: string, status: number) => {
    const text = (await gateway.get('/metrics')).text;
    const line = `mcp_gateway_http_requests_total{method="${method}",route="${route}",status="${status}"}`;
    return text.split('\n').find((l) => l.startsWith(`${line} `));
  };

  beforeAll(async () => {
    log = recordAccessLog();
    gateway = await startGateway({
      servers: { demo: demoStdioSpec() },
      env: { LOG_LEVEL: 'info' },
    });
  });

  afterAll(async () => {
    log?.restore();
    await gateway?.close();
  });

  it('logs a request refused for its Host (a DNS-rebinding signal)', async () => {
    const port = new URL(gateway.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${gateway.url}/mcp/tools`,
        { headers: { host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    expect(await waitFor(() => log.lines.includes('GET /mcp/tools 403'), 5000)).toBe(true);
  });

  it('logs an upstream failure at warn, not error: an outage is not an error per request', async () => {
    const levels: string[] = [];
    const spies = (['warn', 'error'] as const).map((level) =>
      jest
        .spyOn(PinoLoggerService.prototype, level)
        .mockImplementation((message: unknown, context?: unknown) => {
          const text = typeof message === 'string' ? message : (message as { msg?: string }).msg;
          if (context === 'HTTP' && text?.startsWith('POST /mcp/execute 504')) levels.push(level);
        }),
    );
    try {
      const slow = {
        tool_name: 'demo__echo',
        args: { message: 'x', delay_ms: 2000 },
        timeout_ms: 50,
      };
      expect((await gateway.post('/mcp/execute', slow)).status).toBe(504);
      expect(await waitFor(() => levels.length > 0, 5000)).toBe(true);
      expect(levels).toEqual(['warn']);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('logs a request HTTP parsing refused, which never reached a route', async () => {
    const { hostname, port } = new URL(gateway.url);
    const socket = connect(Number(port), hostname);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.resume();
    socket.end('GET /mcp/tools HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
    await closed;
    expect(
      await waitFor(() => log.lines.some((l) => /^refused before parsing ended: 400 \(/.test(l))),
    ).toBe(true);
  });

  it('reports a long-lived stream the client closed with the status it was sent, not 499', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${gateway.url}/sse`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    controller.abort();
    expect(await waitFor(() => log.lines.some((l) => l.startsWith('GET /sse ')), 5000)).toBe(true);
    expect(log.lines.filter((l) => l.startsWith('GET /sse '))).toEqual(['GET /sse 200']);
    expect(await metric('GET', '/sse', 200)).toMatch(/ 1$/);
    expect(await metric('GET', '/sse', 499)).toBeUndefined();
  });
});

describe('probes and scrapes in the access log', () => {
  let gateway: TestGateway;
  let log: ReturnType<typeof recordAccessLog>;

  beforeAll(async () => {
    log = recordAccessLog();
    gateway = await startGateway({
      env: { LOG_LEVEL: 'info', GATEWAY_API_KEYS: 'key-metrics-only-012345=metrics' },
    });
  });

  afterAll(async () => {
    log?.restore();
    await gateway?.close();
  });

  it('leaves answered ones out at info, and logs those refused for their key', async () => {
    expect((await gateway.get('/health/live')).status).toBe(200);
    const scrape = await gateway.get('/metrics', {
      Authorization: 'Bearer key-metrics-only-012345',
    });
    expect(scrape.status).toBe(200);
    expect((await gateway.get('/metrics')).status).toBe(401);
    expect((await gateway.get('/metrics', { Authorization: 'Bearer wrong-key' })).status).toBe(401);
    expect(await waitFor(() => log.lines.length >= 2, 5000)).toBe(true);
    expect(log.lines).toEqual(['GET /metrics 401', 'GET /metrics 401']);
  });
});
