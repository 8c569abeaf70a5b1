/**
 * `npm run test:conformance`: the server scenarios of @modelcontextprotocol/conformance,
 * first against the fixture server (mcp_servers/conformance-server.ts) on its own, then
 * against the gateway's /mcp with that server behind it, unprefixed (TOOL_NAME_PREFIX=never).
 * A transparent gateway passes what the server passes.
 *
 * The suite needs Node 22; npx fetches it (the `node` package) next to the suite, once.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGatewayApp } from '../src/app.factory.js';
import { ServersService } from '../src/servers/servers.service.js';

const SUITE = '@modelcontextprotocol/conformance@0.1.16';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(ROOT, 'dist/mcp_servers/conformance-server.js');
const EXPECTED_FAILURES = join(ROOT, 'scripts/conformance-expected-failures.yml');

interface RunResult {
  passed: number;
  failed: number;
  exitCode: number;
}

/** Runs the whole server suite against `url`; its output streams through. */
function runSuite(label: string, url: string): Promise<RunResult> {
  process.stdout.write(`\n### ${label}: ${url}\n`);
  const child = spawn(
    'npx',
    [
      '-y',
      '-p',
      'node@22',
      '-p',
      SUITE,
      'conformance',
      'server',
      '--url',
      url,
      '--expected-failures',
      EXPECTED_FAILURES,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      const total = /Total: (\d+) passed, (\d+) failed/.exec(output);
      done({
        passed: Number(total?.[1] ?? 0),
        failed: Number(total?.[2] ?? 0),
        exitCode: code ?? 1,
      });
    });
  });
}

async function startFixture(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [FIXTURE, '--http', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error('the fixture server did not start in 10 s')),
      10_000,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      done(match[1]);
    });
    child.once('exit', (code) => fail(new Error(`the fixture server exited with ${code}`)));
  });
  return { url, child };
}

async function main(): Promise<void> {
  const fixture = await startFixture();
  try {
    const direct = await runSuite('fixture server on its own', fixture.url);

    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-conformance-'));
    const serversFile = join(dir, 'servers.json');
    writeFileSync(
      serversFile,
      JSON.stringify({ mcpServers: { conformance: { url: fixture.url } } }),
    );
    const app = await createGatewayApp({
      cwd: ROOT,
      env: {
        LOG_LEVEL: 'warn',
        MCP_SERVERS_CONFIG: serversFile,
        TOOL_NAME_PREFIX: 'never',
        // `MCP_HTTP_TRANSPORT=sdk npm run test:conformance` checks the SDK's transports too.
        MCP_HTTP_TRANSPORT: process.env.MCP_HTTP_TRANSPORT ?? 'gateway',
      },
    });
    await app.listen(0, '127.0.0.1');
    await app.get(ServersService).waitForInitialConnect();
    const port = new URL(await app.getUrl()).port;
    let gateway: RunResult;
    try {
      // localhost, not 127.0.0.1: the DNS-rebinding scenario only runs against a localhost name.
      gateway = await runSuite('the gateway in front of it', `http://localhost:${port}/mcp`);
    } finally {
      await app.close();
    }

    const line = (r: RunResult) => `${r.passed}/${r.passed + r.failed} checks passed`;
    process.stdout.write(
      `\nConformance (${SUITE}, server suite):\n  direct:            ${line(direct)}\n  through gateway:   ${line(gateway)}\n`,
    );
    process.exitCode = direct.exitCode || gateway.exitCode;
  } finally {
    fixture.child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `conformance run failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
