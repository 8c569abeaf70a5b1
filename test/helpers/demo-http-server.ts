import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEMO_SERVER } from './paths.js';

export interface RunningHttpServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a built MCP server script that serves HTTP on a free port and prints
 * `... listening on <url>` once ready; resolves with that URL.
 */
export async function startHttpMcpServer(
  script: string,
  args: string[],
  label: string,
): Promise<RunningHttpServer> {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 10 s`)), 10_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Starts the demo server over streamable HTTP on a free port and waits for its URL. */
export function startDemoHttpServer(): Promise<RunningHttpServer> {
  return startHttpMcpServer(DEMO_SERVER, ['--http', '0'], 'demo HTTP server');
}
