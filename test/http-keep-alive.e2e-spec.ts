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
