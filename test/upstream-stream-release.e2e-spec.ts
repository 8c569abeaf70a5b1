import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startHttpMcpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { REPO_ROOT } from './helpers/paths.js';
import { waitFor } from './helpers/processes.js';

const NEVER_ANSWERING = resolve(
  REPO_ROOT,
  'dist/mcp_servers/fixtures/never-answering-http-server.js',
);
const CALLS = 40;
/** Calls in flight at once: the pool needs about this many sockets, whatever CALLS is. */
const AT_ONCE = 5;

/**
 * A call to a streamable HTTP server that times out must give back its answer stream (the
 * socket under it): a server that never answers would otherwise keep one socket (and file
 * descriptor) of the gateway per timed-out call, for good.
 */
describe('calls to a streamable HTTP server that never answers them', () => {
  let upstream: RunningHttpServer;
  let gateway: TestGateway;
  /** The server's own count of open TCP connections, as it last printed it. */
  let connections = 0;

  beforeAll(async () => {
    upstream = await startHttpMcpServer(NEVER_ANSWERING, [], 'never-answering server');
    createInterface({ input: upstream.process.stdout! }).on('line', (line) => {
      const match = /^connections (\d+)$/.exec(line);
      if (match) connections = Number(match[1]);
    });
    gateway = await startGateway({ servers: { stall: { url: upstream.url } } });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.stop();
  });

  it('time out, and leave no socket open to the server', async () => {
    for (let done = 0; done < CALLS; done += AT_ONCE) {
      const answers = await Promise.all(
        Array.from({ length: AT_ONCE }, () =>
          gateway.post('/mcp/execute', { tool_name: 'stall__never', timeout_ms: 200 }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(AT_ONCE).fill(504));
    }
    // Kept-alive idle sockets of the pool may remain; one per timed-out call may not.
    // (Its cancellations and calls in flight at once need a few: 8 here, against 40 before.)
    await waitFor(() => connections <= 3 * AT_ONCE, 5000);
    expect(connections).toBeLessThanOrEqual(3 * AT_ONCE);
    const ok = await gateway.post('/mcp/execute', { tool_name: 'stall__ok' });
    expect(ok.status).toBe(200);
  });
});
