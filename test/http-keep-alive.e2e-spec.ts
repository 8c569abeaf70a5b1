import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import { unusedPort } from './helpers/free-port.js';
import { runGateway, spawnGateway, type GatewayProcess } from './helpers/security.js';

const QUIET = { LOG_FORMAT: 'json', QUEUE_ENABLED: 'false' };

/**
 * One GET /health/live on a raw keep-alive connection: the answer's head, and a promise of
 * how long after the answer the server closed the connection.
 */
function keepAliveProbe(
  url: string,
): Promise<{ head: string; closedAfter: Promise<number>; socket: Socket }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeAllListeners('data');
      const answered = Date.now();
      const closedAfter = new Promise<number>((done) =>
        socket.once('close', () => done(Date.now() - answered)),
      );
      resolve({ head: received.slice(0, end), closedAfter, socket });
    });
    socket.write(
      `GET /health/live HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`,
    );
  });
}

describe('the keep-alive timeout of the HTTP server (HTTP_KEEP_ALIVE_TIMEOUT_MS)', () => {
  const started: GatewayProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((g) => g.stop()));
  });

  it('is 65 s by default, past the 60 s idle timeout of the usual load balancers', async () => {
    const gateway = await spawnGateway(await unusedPort(), QUIET);
    started.push(gateway);
    const { head, closedAfter, socket } = await keepAliveProbe(gateway.url);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/^keep-alive: timeout=65$/im);
    // Node's own default (5 s) would have closed it by now.
    const closed = await Promise.race([closedAfter, sleep(6_000).then(() => undefined)]);
    expect(closed).toBeUndefined();
    socket.destroy();
  }, 20_000);

  it('closes an idle connection after the configured time', async () => {
    const gateway = await spawnGateway(await unusedPort(), {
      ...QUIET,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1500',
    });
    started.push(gateway);
    const { head, closedAfter } = await keepAliveProbe(gateway.url);
    expect(head).toMatch(/^keep-alive: timeout=1$/im);
    const closed = await closedAfter;
    expect(closed).toBeGreaterThanOrEqual(1_000);
    // Node's default would be 5 s; the default here 65 s.
    expect(closed).toBeLessThan(10_000);
  }, 20_000);

  it('leaves an idle keep-alive connection open past HTTP_REQUEST_TIMEOUT_MS', async () => {
    const gateway = await spawnGateway(await unusedPort(), {
      ...QUIET,
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    started.push(gateway);
    const { head, closedAfter, socket } = await keepAliveProbe(gateway.url);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    // Idle for three request timeouts (Node checks every second), then a second request.
    const closed = await Promise.race([closedAfter, sleep(3_000).then(() => undefined)]);
    expect(closed).toBeUndefined();
    const second = new Promise<string>((resolve) => socket.once('data', resolve));
    socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(await second).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  }, 20_000);

  it.each([
    ['a body shorter than its Content-Length', 'Content-Length: 100\r\n\r\n{}'],
    ['headers that never end', 'X-Slow: 1\r\n'],
  ])(
    'answers %s with a 408 after HTTP_REQUEST_TIMEOUT_MS and closes the connection',
    async (_, rest) => {
      const gateway = await spawnGateway(await unusedPort(), {
        ...QUIET,
        HTTP_REQUEST_TIMEOUT_MS: '1000',
      });
      started.push(gateway);
      const { hostname, port } = new URL(gateway.url);
      const socket = connect(Number(port), hostname);
      socket.setEncoding('utf8');
      let received = '';
      socket.on('data', (chunk: string) => (received += chunk));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write(
        `POST /mcp/execute HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n${rest}`,
      );
      // Node's default would hold it for 300 s, past this test's timeout.
      await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4));
      expect(body).toMatchObject({ statusCode: 408, code: 'INVALID_REQUEST' });
    },
    20_000,
  );

  it.each([
    ['abc', '"abc"', 'must be an integer number'],
    ['500', '500', 'must not be less than 1000'],
  ])(
    '%s: the start stops, exit 1, with a message naming the variable',
    async (value, shown, said) => {
      const { child, output, exit } = runGateway({
        ...QUIET,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(await unusedPort()),
        HTTP_KEEP_ALIVE_TIMEOUT_MS: value,
      });
      await exit;
      expect(child.exitCode).toBe(1);
      const lines = output.join('').trim().split('\n');
      const last = JSON.parse(lines[lines.length - 1]) as Record<string, string>;
      expect(last).toMatchObject({ level: 'fatal', service: 'mcp-gateway' });
      expect(last.msg).toBe(
        `mcp-gateway failed to start: Invalid configuration:\n  HTTP_KEEP_ALIVE_TIMEOUT_MS=${shown}: HTTP_KEEP_ALIVE_TIMEOUT_MS ${said}`,
      );
      expect(output.join('')).not.toContain('Listening on');
    },
  );
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
