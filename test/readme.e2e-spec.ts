import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startDemoHttpServer, type RunningHttpServer } from './helpers/demo-http-server.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { REPO_ROOT } from './helpers/paths.js';

// Async on purpose: the gateway runs in this process, so a blocking exec would deadlock it.
const run = promisify(execFile);

/** The curl commands of the README's bash blocks, continuation lines joined. */
function readmeCurls(): string[] {
  const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
}

describe('every curl in the README works as printed', () => {
  let gateway: TestGateway;
  let httpDemo: RunningHttpServer;

  beforeAll(async () => {
    httpDemo = await startDemoHttpServer();
    // The repo's own servers file, as `npm start` uses it.
    gateway = await startGateway({
      env: { MCP_SERVERS_CONFIG: resolve(REPO_ROOT, 'servers.json') },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await httpDemo?.stop();
  });

  it('finds the README examples', () => {
    expect(readmeCurls().length).toBeGreaterThanOrEqual(9);
  });

  it('runs them in order with JSON success answers', async () => {
    const gatewayHost = new URL(gateway.url).host;
    const demoHost = new URL(httpDemo.url).host;
    for (const curl of readmeCurls()) {
      const command = curl
        .replaceAll('localhost:8000', gatewayHost)
        .replaceAll('127.0.0.1:3001', demoHost);
      const { stdout: output } = await run('bash', ['-c', command], { encoding: 'utf8' });
      const body = JSON.parse(output);
      expect([curl, body.statusCode]).toEqual([curl, undefined]);
      if (body.failed) expect([curl, body.failed]).toEqual([curl, []]);
      if (body.result) expect([curl, body.result.isError ?? false]).toEqual([curl, false]);
    }
  });
});
