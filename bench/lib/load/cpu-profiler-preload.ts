/**
 * Preload (`NODE_OPTIONS=--import <this file>`) that CPU-profiles a process and writes
 * `<CPU_PROFILE_DIR>/<pid>.cpuprofile` at exit. Node refuses --cpu-prof in NODE_OPTIONS,
 * and the gateway is started by bench/lib/gateway-process.ts with fixed arguments.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // The main-thread session answers synchronously, so this works in an exit handler.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
