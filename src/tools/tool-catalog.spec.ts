import { describe, expect, it, jest } from '@jest/globals';
import type { UpstreamTool } from '../mcp/upstream-client.js';
import { LexicalToolRouter } from '../routing/lexical.tool-router.js';
import { FakeCatalog, tool } from '../routing/testing/fake-catalog.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import type { ToolAdmission } from './pinning/tool-admission.js';
import { ToolCatalog, type CatalogChange } from './tool-catalog.js';

describe('ToolCatalog names', () => {
  it('keeps a tool its name when its server later lists a tool that sanitizes to it', () => {
    const fake = new FakeCatalog({ f6: [tool('x_y', 'underscore'), tool('add', 'adds x.y')] });
    expect(fake.catalog.get('f6__x_y')?.tool).toBe('x_y');
    fake.setServer('f6', [tool('x_y', 'underscore'), tool('add', 'adds'), tool('x.y', 'dot')]);
    expect(fake.catalog.get('f6__x_y')?.tool).toBe('x_y');
    const dot = fake.catalog.all().find((t) => t.tool === 'x.y');
    expect(dot?.name).toMatch(/^f6__x_y_[0-9a-f]{8}$/);
  });

  it('gives the name to the tool whose own name it is, whichever the server listed first', () => {
    const fake = new FakeCatalog({ f6: [tool('x.y', 'dot'), tool('x_y', 'underscore')] });
    expect(fake.catalog.get('f6__x_y')?.tool).toBe('x_y');
  });

  it('never lets a server added later take a name another server holds', () => {
    const fake = new FakeCatalog({ a__b: [tool('time', 'clock')] });
    fake.setServer('a', [tool('b__time', 'other clock')]);
    expect(fake.catalog.get('a__b__time')?.server).toBe('a__b');
    expect(fake.catalog.namesOf('a')).toEqual([expect.stringMatching(/^a__b__time_[0-9a-f]{8}$/)]);
  });
});

/** A registry whose servers keep their connection object across list changes, as real ones do. */
class LiveRegistry {
  readonly servers: { name: string; status: 'connected'; tools: UpstreamTool[] }[] = [];
  private readonly listeners = new Set<(server: unknown) => void>();

  set(name: string, tools: UpstreamTool[]): void {
    let server = this.servers.find((s) => s.name === name);
    if (!server) this.servers.push((server = { name, status: 'connected', tools }));
    // A re-listing parses every definition afresh.
    server.tools = structuredClone(tools);
    for (const listener of this.listeners) listener(server);
  }

  asRegistry(): ServerRegistry {
    return {
      list: () => [...this.servers],
      has: (s: unknown) => this.servers.includes(s as never),
      find: ({ name }: { name: string }) => this.servers.find((s) => s.name === name),
      subscribe: (listener: (server: unknown) => void) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    } as unknown as ServerRegistry;
  }
}

function tools(count: number): UpstreamTool[] {
  return Array.from({ length: count }, (_, i) => tool(`tool_${i}`, `Does thing ${i}`));
}

/** Counts what the pin guard is asked to look at; `bad` names a tool whose definition throws. */
function countingAdmission(bad?: string) {
  const admitted: string[] = [];
  const admission = {
    watch: () => undefined,
    admit: (_server: unknown, definition: UpstreamTool) => {
      if (definition.name === bad) throw new RangeError('Maximum call stack size exceeded');
      admitted.push(definition.name);
      return 'admit';
    },
  } as unknown as ToolAdmission;
  return { admission, admitted };
}

describe('ToolCatalog updates', () => {
  it('touches only the tool that changed when one of 1,000 is redefined', () => {
    const registry = new LiveRegistry();
    registry.set('big', tools(1000));
    const { admission, admitted } = countingAdmission();
    const catalog = new ToolCatalog(registry.asRegistry(), 'always', admission);
    const router = new LexicalToolRouter();
    const index = router.indexOf(catalog);
    const before = catalog.get('big__tool_1');
    const changes: CatalogChange[] = [];
    catalog.subscribe((change) => changes.push(change));
    const upserts = jest.spyOn(index, 'upsert');
    const removes = jest.spyOn(index, 'remove');
    admitted.length = 0;

    const next = tools(1000);
    next[500] = tool('tool_500', 'Forecasts the weather');
    registry.set('big', next);

    expect(changes).toEqual([
      { server: 'big', added: [catalog.get('big__tool_500')], removed: ['big__tool_500'] },
    ]);
    expect(admitted).toEqual(['tool_500']);
    expect(upserts).toHaveBeenCalledTimes(1);
    // upsert() also removes the name it replaces: every removal is of the changed tool.
    expect(new Set(removes.mock.calls.flat())).toEqual(new Set(['big__tool_500']));
    expect(catalog.get('big__tool_1')).toBe(before);
    expect(router.rank(catalog, { query: 'weather forecast', limit: 1 })[0].name).toBe(
      'big__tool_500',
    );
    expect(catalog.namesOf('big')).toHaveLength(1000);
  });

  it('announces nothing when a re-listing changes nothing', () => {
    const registry = new LiveRegistry();
    registry.set('big', tools(50));
    const catalog = new ToolCatalog(registry.asRegistry());
    const changes: CatalogChange[] = [];
    catalog.subscribe((change) => changes.push(change));
    registry.set('big', tools(50));
    expect(changes).toEqual([]);
  });

  it('leaves out a tool whose definition cannot be read, and serves the rest', () => {
    const registry = new LiveRegistry();
    registry.set('s', [tool('good', 'Fine'), tool('deep', 'Too deep'), tool('also_good', 'Fine')]);
    const { admission } = countingAdmission('deep');
    const catalog = new ToolCatalog(registry.asRegistry(), 'always', admission);
    expect(catalog.namesOf('s')).toEqual(['s__good', 's__also_good']);
    expect(catalog.get('s__deep')).toBeUndefined();

    const changes: CatalogChange[] = [];
    catalog.subscribe((change) => changes.push(change));
    registry.set('s', [tool('good', 'Fine'), tool('deep', 'Too deep'), tool('new_one', 'New')]);
    expect(catalog.namesOf('s')).toEqual(['s__good', 's__new_one']);
    expect(changes).toEqual([
      { server: 's', added: [catalog.get('s__new_one')], removed: ['s__also_good'] },
    ]);
  });

  it('under auto renames only the tools a new collision touches', () => {
    const registry = new LiveRegistry();
    registry.set('a', [tool('x', 'Ex'), tool('y', 'Why')]);
    const catalog = new ToolCatalog(registry.asRegistry(), 'auto');
    const y = catalog.get('y');
    const changes: CatalogChange[] = [];
    catalog.subscribe((change) => changes.push(change));

    registry.set('b', [tool('x', 'Other ex')]);
    expect(catalog.get('y')).toBe(y);
    expect(catalog.withQualifiedName('a__y')).toEqual(['y']);
    expect(changes.map((c) => [c.server, c.added.map((t) => t.name), c.removed])).toEqual([
      ['a', ['a__x'], ['x']],
      ['b', ['b__x'], []],
    ]);
    expect(catalog.withBareName('x')).toEqual(['a__x', 'b__x']);
  });

  it('under never hands a name on to the next holder when its first holder drops the tool', () => {
    const registry = new LiveRegistry();
    // The later holder comes first in the scope, so it is renamed before the first one is.
    registry.set('b', [tool('y', 'Why')]);
    registry.set('a', [tool('x', 'Ex marks the treasure')]);
    const catalog = new ToolCatalog(registry.asRegistry(), 'never');
    const router = new LexicalToolRouter();
    router.indexOf(catalog);
    registry.set('b', [tool('y', 'Why'), tool('x', 'Ex marks the treasure too')]);
    expect(catalog.get('x')?.server).toBe('a');
    expect(catalog.get('b__x')?.server).toBe('b');

    registry.set('a', []);
    expect(catalog.get('x')?.server).toBe('b');
    expect(catalog.namesOf('b')).toEqual(['y', 'x']);
    expect(router.indexOf(catalog).size).toBe(2);
    expect(router.rank(catalog, { query: 'treasure', limit: 1 })[0].name).toBe('x');
  });
});
