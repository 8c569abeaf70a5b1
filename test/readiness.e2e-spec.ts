import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createGatewayApp } from '../src/app.factory.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { demoStdioSpec, REPO_ROOT } from './helpers/paths.js';

describe('readiness while the servers file is still connecting', () => {
  let silent: Server;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    // Takes the connection and never answers: the first connect lasts its whole timeout.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-test-'));
    const serversFile = join(dir, 'servers.json');
    writeFileSync(
      serversFile,
      JSON.stringify({ mcpServers: { slow: { url: `http://127.0.0.1:${port}/mcp` } } }),
    );
    // Not startGateway: it waits for the first connect, which is what this test must not do.
    app = await createGatewayApp({
      cwd: REPO_ROOT,
      env: {
        LOG_LEVEL: 'error',
        MCP_SERVERS_CONFIG: serversFile,
        SERVER_CONNECT_TIMEOUT_MS: '20000',
      },
    });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('says the servers are still connecting, not that they failed', async () => {
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { message: string; code: string };
    expect(body.code).toBe('NOT_READY');
    expect(body.message).toBe("Not ready: the servers file's servers are still connecting");
  });
});

describe('readiness with fewer servers connected than READY_MIN_SERVERS', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: {
        demo: demoStdioSpec(),
        broken: { command: 'node', args: ['-e', 'process.exit(3)'] },
      },
      env: { READY_MIN_SERVERS: '2' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('says how many are connected, how many are asked for, and how many failed', async () => {
    const ready = await gateway.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toBe(
      'Not ready: 1 server(s) connected, READY_MIN_SERVERS asks for 2 (1 failed; see details)',
    );
  });
});
