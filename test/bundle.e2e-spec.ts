import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from '@jest/globals';
import { unusedPort } from './helpers/free-port.js';
import { DEMO_SERVER, REPO_ROOT } from './helpers/paths.js';

const RECORD_REQUIRES = resolve(REPO_ROOT, 'test/helpers/record-requires.cjs');
/** Left out of the bundle on purpose (scripts/bundle.ts): it serves files from its folder. */
const EXTERNAL_AT_RUN_TIME = ['swagger-ui-dist'];

/**
 * What a bundled program loads from node_modules while it starts. A dependency that reaches
 * a package through a require() the bundler cannot follow (a computed name, createRequire)
 * loads that package, and all it imports, from disk at every start: @nestjs/terminus did so
 * with @nestjs/swagger, about 440 files and 0.7 s.
 */
async function runtimeRequires(script: string, args: string[], readyLine: RegExp) {
  const port = await unusedPort();
  const child = spawn(process.execPath, ['--require', RECORD_REQUIRES, script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, GATEWAY_PORT: String(port), LOG_LEVEL: 'info', LOG_FORMAT: 'text' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const required: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    const match = /^runtime-require (.+)$/.exec(line);
    if (match) required.push(match[1]);
  });
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`${script} did not start in 20 s`)), 20_000);
      const onLine = (line: string) => {
        if (!readyLine.test(line)) return;
        clearTimeout(timer);
        ready();
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      child.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
    });
  } finally {
    child.kill('SIGTERM');
  }
  // A package name: its scope and name, or the first segment of a path into node_modules.
  return [
    ...new Set(
      required.map((id) => {
        const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1];
        return (
          inModules ??
          id
            .split('/')
            .slice(0, id.startsWith('@') ? 2 : 1)
            .join('/')
        );
      }),
    ),
  ];
}

describe('the bundled programs', () => {
  it('the gateway loads nothing from node_modules at start but its declared externals', async () => {
    const packages = await runtimeRequires(resolve(REPO_ROOT, 'dist/src/main.js'), [], /Ready in/);
    expect(packages.filter((p) => !EXTERNAL_AT_RUN_TIME.includes(p))).toEqual([]);
  });

  it('the demo server loads nothing from node_modules', async () => {
    const packages = await runtimeRequires(DEMO_SERVER, ['--http', '0'], /listening on/);
    expect(packages).toEqual([]);
  });
});
