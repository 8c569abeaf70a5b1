import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { PinoLoggerService } from '../src/common/logging/pino-logger.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { connectStreamableHttp, textOf } from './helpers/mcp-clients.js';
import { REPO_ROOT } from './helpers/paths.js';
import { waitFor } from './helpers/processes.js';
import { RawMcp } from './helpers/security.js';

const CHATTY_SERVER = resolve(REPO_ROOT, 'dist/mcp_servers/fixtures/chatty-server.js');
/** 20 MB of log lines: far more than a socket buffers for a client that does not read. */
const FLOOD = { count: 20_000, bytes: 1000 };
/** The door's limit for notifications (1 MiB), and room for the message that crossed it. */
const BOUND_BYTES = 2 * 1024 * 1024;
const STALLED_MARK = 'x-test-stalled';

/**
 * A client that opens its GET stream on /mcp and stops reading it, while an upstream server
 * logs without pause: the gateway must drop what that client cannot take, not keep it all
 * (20 MB here, gigabytes over minutes), and serve its other clients as before.
 */
describe('an /mcp client that stops reading, with a chatty upstream server', () => {
  let gateway: TestGateway;
  let stalled: Socket;
  /** The gateway's side of the stalled client's GET stream. */
  let stalledStream: ServerResponse | undefined;
  let reader: Client;
  let logged = 0;
  let floodDone = false;
  const warnings: string[] = [];

  beforeAll(async () => {
    jest
      .spyOn(PinoLoggerService.prototype, 'warn')
      .mockImplementation((message: unknown) => void warnings.push(String(message)));
    gateway = await startGateway({
      servers: { chatty: { command: 'node', args: [CHATTY_SERVER] } },
    });
    const http = gateway.app.getHttpServer() as Server;
    let getStreams = 0;
    http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET' || req.url !== '/mcp') return;
      getStreams++;
      if (req.headers[STALLED_MARK]) stalledStream = res;
    });
    stalled = await openStalledGetStream(gateway.url);
    ({ client: reader } = await connectStreamableHttp(gateway.url));
    reader.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logged++;
      if (n.params.data === 'flood done') floodDone = true;
    });
    // The reader's GET stream opens after its handshake: the flood must find it open.
    await waitFor(() => getStreams === 2);
  });

  afterAll(async () => {
    stalled?.destroy();
    await reader?.close();
    await gateway?.close();
    jest.restoreAllMocks();
  });

  it('keeps what waits for the stalled client bounded, and the other client served', async () => {
    expect(stalledStream).toBeDefined();
    let mostWaiting = 0;
    const sample = setInterval(() => {
      mostWaiting = Math.max(mostWaiting, stalledStream!.writableLength);
    }, 10);
    const started = await reader.callTool({ name: 'chatty__flood', arguments: FLOOD });
    expect(textOf(started)).toBe(`flooding ${FLOOD.count}`);
    // Done when the reader heard the last line, or nothing new for half a second (it may
    // miss some: a reader in this same process can fall behind too).
    for (let heard = -1, until = Date.now() + 30_000; !floodDone && Date.now() < until;) {
      if (logged === heard && logged > 0) break;
      heard = logged;
      await new Promise((r) => setTimeout(r, 500));
    }
    clearInterval(sample);
    mostWaiting = Math.max(mostWaiting, stalledStream!.writableLength);

    expect(mostWaiting).toBeLessThan(BOUND_BYTES);
    expect(logged).toBeGreaterThan(FLOOD.count / 2);
    expect(warnings.some((w) => /GET stream: the client is not reading/.test(w))).toBe(true);
    // The reader still gets answers, and the stalled client's session was not closed.
    const again = await reader.callTool({
      name: 'chatty__flood',
      arguments: { count: 0, bytes: 0 },
    });
    expect(textOf(again)).toBe('flooding 0');
    expect(stalledStream!.destroyed).toBe(false);
  });
});

/** initialize and initialized over fetch, then a GET stream on a raw socket that is never read. */
async function openStalledGetStream(url: string): Promise<Socket> {
  const mcp = new RawMcp(url);
  await mcp.initialize();
  const session = mcp.sessionId!;
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((opened) => socket.once('connect', opened));
  socket.write(
    `GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n` +
      `Mcp-Session-Id: ${session}\r\nMcp-Protocol-Version: ${RawMcp.PROTOCOL}\r\n${STALLED_MARK}: 1\r\n\r\n`,
  );
  // The status line, then never another read: the socket's buffers fill, then the gateway's.
  await new Promise<void>((answered) => socket.once('data', () => answered()));
  socket.pause();
  return socket;
}
