import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEMO_SERVER } from './paths.js';

export interface RunningHttpServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the demo server over streamable HTTP on a free port and waits for its URL. */
export async function startDemoHttpServer(): Promise<RunningHttpServer> {
  const child = spawn(process.execPath, [DEMO_SERVER, '--http', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('demo HTTP server did not start in 10 s')),
      10_000,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`demo HTTP server exited with ${code}`)));
  });
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
