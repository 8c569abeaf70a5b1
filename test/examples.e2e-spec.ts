import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { REPO_ROOT, demoStdioSpec } from './helpers/paths.js';

const run = promisify(execFile);
const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');

/** The README's `npm run example:*` scripts, run as a user would, against a real gateway. */
describe('the examples', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    // A second server with a `time` tool too: the examples must not rely on bare names.
    gateway = await startGateway({ servers: { demo: demoStdioSpec(), other: demoStdioSpec() } });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('examples/rest-client.ts lists the catalog and runs two tools', async () => {
    const { stdout } = await run(TSX, ['examples/rest-client.ts', gateway.url], {
      cwd: REPO_ROOT,
    });
    expect(stdout).toContain('demo__echo: ');
    expect(stdout).toMatch(/^calculator -> 2 \* \(3 \+ 4\) = 14 \([\d.]+ ms\)$/m);
    expect(stdout).toMatch(/^time -> .*Asia\/Tokyo/m);
  });

  it('examples/rest-client.ts says what the gateway answered, not a stack trace, when a call fails', async () => {
    const failed = await run(TSX, ['examples/rest-client.ts', `${gateway.url}/nowhere`], {
      cwd: REPO_ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failed && failed.code).toBe(1);
    expect((failed as { stderr: string }).stderr.trim()).toMatch(
      /^GET \/mcp\/tools: 404 ROUTE_NOT_FOUND /,
    );
  });

  it('examples/mcp-client.ts searches through the MCP door and calls the best match', async () => {
    const { stdout } = await run(TSX, ['examples/mcp-client.ts', `${gateway.url}/mcp`], {
      cwd: REPO_ROOT,
    });
    expect(stdout).toContain('search_tools (lexical):');
    expect(stdout).toMatch(/^(demo|other)__calculator -> 2 \* \(3 \+ 4\) \/ 5 - 2\^3 = -5\.2$/m);
  });
});
