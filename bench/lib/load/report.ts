/** The proxy benchmark's table: one row per target, door, client and concurrency. */
import type { LoadResult } from './closed-loop.js';

/** `floor`: a do-nothing forwarding proxy, the least any HTTP hop in Node costs. */
export type Group = 'direct' | 'floor' | 'gateway-http' | 'gateway-stdio' | 'peer';

export interface Row {
  label: string;
  group: Group;
  client: 'light' | 'sdk';
  concurrency: number;
  result: LoadResult;
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const fixed = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** Best peer (highest calls/s) at the same concurrency and client kind. */
export function bestPeer(rows: readonly Row[], of: Row): Row | undefined {
  return rows
    .filter((r) => r.group === 'peer' && r.client === of.client && r.concurrency === of.concurrency)
    .sort((a, b) => b.result.callsPerSec - a.result.callsPerSec)[0];
}

function directOf(rows: readonly Row[], of: Row): Row | undefined {
  return rows.find(
    (r) => r.group === 'direct' && r.client === of.client && r.concurrency === of.concurrency,
  );
}

export function formatTable(rows: readonly Row[]): string {
  const header = [
    pad('target', 38),
    pad('client', 6),
    lpad('C', 3),
    lpad('calls/s', 8),
    lpad('×direct', 8),
    lpad('×best peer', 11),
    lpad('p50 ms', 7),
    lpad('+p50', 6),
    lpad('p99 ms', 7),
    lpad('errors', 7),
    lpad('gen CPU', 8),
    lpad('srv CPU', 8),
    lpad('srv µs/call', 12),
  ].join(' ');
  const lines = [header, '-'.repeat(header.length)];
  for (const row of rows) {
    const r = row.result;
    const direct = directOf(rows, row);
    const peer = row.group === 'gateway-stdio' ? bestPeer(rows, row) : undefined;
    lines.push(
      [
        pad(row.label, 38),
        pad(row.client, 6),
        lpad(String(row.concurrency), 3),
        lpad(fixed(r.callsPerSec, 0), 8),
        lpad(direct ? fixed(r.callsPerSec / direct.result.callsPerSec, 2) : '-', 8),
        lpad(peer ? `${fixed(r.callsPerSec / peer.result.callsPerSec, 2)}` : '', 11),
        lpad(fixed(r.p50, 2), 7),
        lpad(direct && row !== direct ? fixed(r.p50 - direct.result.p50, 2) : '', 6),
        lpad(fixed(r.p99, 2), 7),
        lpad(String(r.errors), 7),
        lpad(`${fixed(r.clientCpu, 0)}%`, 8),
        lpad(`${fixed(r.serverCpu, 0)}%`, 8),
        // CPU per call moves less than calls/s when the machine is shared: compare these too.
        lpad(fixed((r.serverCpu * 10_000) / r.callsPerSec, 0), 12),
      ].join(' '),
    );
  }
  const peers = rows.filter((r) => r.group === 'peer');
  const notes = [...new Set(peers.map((r) => `${r.client}/C=${r.concurrency}`))].map((key) => {
    const [client, c] = key.split('/C=');
    const best = bestPeer(rows, {
      ...peers[0],
      client: client as Row['client'],
      concurrency: Number(c),
    });
    return `best peer, ${client} client, C=${c}: ${best?.label ?? '-'}`;
  });
  return [...lines, '', ...notes].join('\n');
}

/** First errors, so a failing target says why. */
export function formatErrors(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.result.firstError)
    .map((r) => `${r.label} C=${r.concurrency}: ${r.result.firstError}`);
}
