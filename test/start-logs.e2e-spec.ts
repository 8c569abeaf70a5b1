import { describe, expect, it } from '@jest/globals';
import { unusedPort } from './helpers/free-port.js';
import { spawnGateway } from './helpers/security.js';

/** The JSON log lines a gateway process wrote, parsed. */
function jsonLines(output: string[]): { level: string; context?: string; msg: string }[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; context?: string; msg: string });
}

async function startLogs(env: Record<string, string>) {
  const gateway = await spawnGateway(await unusedPort(), {
    LOG_FORMAT: 'json',
    QUEUE_ENABLED: 'false',
    ...env,
  });
  await gateway.stop();
  return jsonLines(gateway.output);
}

describe("the gateway's start-up log", () => {
  it("keeps Nest's per-route and per-module narration out of the default (info) level", async () => {
    const lines = await startLogs({ LOG_LEVEL: 'info' });
    expect(lines.some((l) => l.msg.startsWith('Ready in'))).toBe(true);
    const chatter = lines.filter((l) =>
      ['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(l.context ?? ''),
    );
    expect(chatter).toEqual([]);
  });

  it('still shows it at LOG_LEVEL=debug, as debug lines', async () => {
    const lines = await startLogs({ LOG_LEVEL: 'debug' });
    const routes = lines.filter((l) => l.context === 'RouterExplorer');
    expect(routes.map((l) => l.msg)).toContain('Mapped {/mcp/execute, POST} route');
    expect(new Set(routes.map((l) => l.level))).toEqual(new Set(['debug']));
  });
});
