import { request as httpRequest } from 'node:http';
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
