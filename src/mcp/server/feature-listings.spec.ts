import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ServerConnection } from '../../servers/server-connection.js';
import type { ServerRegistry } from '../../servers/server-registry.js';
import type { McpObject, UpstreamNotification } from '../upstream-client.js';
import { FeatureListings } from './feature-listings.js';
import { ScopeFeatures } from './scope-features.js';

/** A connected server with resources, answering lists from `lists` (or failing when `down`). */
class FakeServer {
  status = 'connected';
  capabilities = { resources: {}, prompts: {} };
  connectionCount = 1;
  down = false;
  readonly asked: string[] = [];
  private readonly listeners = new Set<(n: UpstreamNotification) => void>();

  constructor(
    readonly name: string,
    private readonly lists: Record<string, McpObject> = {},
  ) {}

  forward(method: string, params: McpObject): Promise<McpObject> {
    this.asked.push(method);
    if (this.down) return Promise.reject(new Error('Request timed out'));
    if (method === 'resources/read') return Promise.resolve({ from: this.name, ...params });
    return Promise.resolve(this.lists[method] ?? {});
  }

  onNotification(listener: (n: UpstreamNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(notification: UpstreamNotification): void {
    for (const listener of this.listeners) listener(notification);
  }
}

const asServers = (...servers: FakeServer[]) => servers as unknown as ServerConnection[];
const options = { timeoutMs: 60_000 };

describe('FeatureListings', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;
  let log: jest.SpiedFunction<Logger['log']>;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('lists a server again only after its list_changed, a reconnection or when asked fresh', async () => {
    const server = new FakeServer('a', { 'resources/list': { resources: [{ uri: 'x://1' }] } });
    const listings = new FeatureListings(1000);
    const list = (fresh = false) => listings.list(asServers(server), 'resources', fresh);
    await list();
    await list();
    expect(server.asked).toHaveLength(1);
    server.notify({ kind: 'prompts-changed' });
    await list();
    expect(server.asked).toHaveLength(1);
    server.notify({ kind: 'resources-changed' });
    await list();
    expect(server.asked).toHaveLength(2);
    server.connectionCount++;
    await list();
    expect(server.asked).toHaveLength(3);
    await list(true);
    expect(server.asked).toHaveLength(4);
  });

  it('leaves out a server that does not answer, logged once per outage', async () => {
    const up = new FakeServer('up', { 'prompts/list': { prompts: [{ name: 'p' }] } });
    const down = new FakeServer('down');
    down.down = true;
    const listings = new FeatureListings(1000);
    for (const kind of ['resources', 'templates', 'prompts', 'prompts'] as const) {
      const listed = await listings.list(asServers(up, down), kind, true);
      expect(listed.map((l) => l.server.name)).toEqual(['up']);
    }
    expect(warn.mock.calls.map(([m]) => m)).toEqual([
      expect.stringMatching(/^server 'down' did not answer resources\/list \(Request timed out\)/),
    ]);
    down.down = false;
    for (const kind of ['resources', 'templates', 'prompts'] as const) {
      await listings.list(asServers(up, down), kind, true);
    }
    expect(log.mock.calls.map(([m]) => m)).toEqual(["server 'down' answers its lists again"]);
  });
});

describe('ScopeFeatures with two servers listing one URI', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('reads it from the first server in scope order, and warns once, naming both', async () => {
    const lists = { 'resources/list': { resources: [{ uri: 'x://same', name: 'same' }] } };
    const [a, b] = [new FakeServer('a', lists), new FakeServer('b', lists)];
    const registry = { list: () => [a, b] } as unknown as ServerRegistry;
    const features = new ScopeFeatures(registry, 'always', options, new FeatureListings(1000));
    await features.listResources();
    await features.listResources();
    expect(warn.mock.calls.map(([m]) => m)).toEqual([
      "resource URI x://same is listed by servers a, b; requests for it go to 'a'",
    ]);
    expect(await features.readResource({ uri: 'x://same' })).toMatchObject({ from: 'a' });
  });
});
