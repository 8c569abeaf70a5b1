/**
 * Profiles the gateway under load: starts it with --cpu-prof, drives one door at C=16 for a
 * few seconds, stops it and prints the profile summarised by self time.
 *
 *   node dist/bench/lib/load/profile-gateway.js <rest|mcp> <http|stdio> [seconds] [concurrency]
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClosedLoop } from './closed-loop.js';
import { summariseProfile } from './profile-summary.js';
import { mcpLight, restExecute } from './sessions.js';
import { startDemoHttp, startGateway, type GatewayUpstream } from './targets.js';

async function main(): Promise<void> {
  const door = process.argv[2] === 'mcp' ? 'mcp' : 'rest';
  const upstreamKind = process.argv[3] === 'http' ? 'http' : 'stdio';
  const seconds = Number(process.argv[4] ?? 6);
  const concurrency = Number(process.argv[5] ?? 16);
  const demo = upstreamKind === 'http' ? await startDemoHttp() : undefined;
  const upstream: GatewayUpstream = demo ? { kind: 'http', url: demo.url } : { kind: 'stdio' };
  const dir = mkdtempSync(join(tmpdir(), 'gateway-prof-'));
  const preload = new URL('./cpu-profiler-preload.js', import.meta.url).pathname;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  try {
    gateway = await startGateway(upstream, {
      NODE_OPTIONS: `--import ${preload}`,
      CPU_PROFILE_DIR: dir,
    });
    const result = await runClosedLoop({
      origin: gateway.origin,
      concurrency,
      warmupMs: 1000,
      durationMs: seconds * 1000,
      maxCalls: 1_000_000,
      session: door === 'mcp' ? mcpLight('/mcp', 'demo__echo') : restExecute('demo__echo'),
      serverPids: gateway.pids,
    });
    console.log(
      `${door} door → ${upstreamKind} demo, C=${concurrency}: ${result.callsPerSec.toFixed(0)} calls/s, ` +
        `p50 ${result.p50.toFixed(2)} ms, errors ${result.errors} ${result.firstError ?? ''}`,
    );
  } finally {
    await gateway?.stop();
    await demo?.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(summariseProfile(join(dir, file), Number(process.env.PROFILE_TOP ?? 40)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
