import { describe, expect, it } from '@jest/globals';
import { namespaceTools, scopeToolNames, TOOL_NAME_PATTERN } from './tool-naming.js';

describe('namespaceTools', () => {
  it('joins server and tool with a double underscore', () => {
    expect(namespaceTools('demo', ['echo']).get('echo')).toBe('demo__echo');
  });

  it('replaces characters function-calling APIs reject', () => {
    const name = namespaceTools('my server', ['get.weather']).get('get.weather')!;
    expect(name).toBe('my_server__get_weather');
    expect(name).toMatch(TOOL_NAME_PATTERN);
  });

  it('shortens long names with a stable hash suffix', () => {
    const tool = 'a'.repeat(100);
    const first = namespaceTools('server', [tool]).get(tool)!;
    const again = namespaceTools('server', [tool, 'other']).get(tool)!;
    expect(first).toHaveLength(64);
    expect(first).toMatch(TOOL_NAME_PATTERN);
    expect(first).toBe(again);
    expect(first).not.toBe(namespaceTools('server2', [tool]).get(tool));
  });

  it('keeps siblings apart when sanitizing makes them collide', () => {
    const names = namespaceTools('s', ['get.x', 'get_x']);
    expect(names.get('get.x')).not.toBe(names.get('get_x'));
    for (const n of names.values()) expect(n).toMatch(TOOL_NAME_PATTERN);
  });

  it('leaves a name with the tool it spells when a sibling sanitizes to it, in any order', () => {
    expect(namespaceTools('f6', ['x_y', 'add']).get('x_y')).toBe('f6__x_y');
    for (const tools of [
      ['x_y', 'add', 'x.y'],
      ['x.y', 'x_y'],
    ]) {
      const names = namespaceTools('f6', tools);
      expect(names.get('x_y')).toBe('f6__x_y');
      expect(names.get('x.y')).toMatch(/^f6__x_y_[0-9a-f]{8}$/);
    }
    // The server's name plays no part: sanitized or not, its prefix is the same for both.
    expect(namespaceTools('my server', ['x.y', 'x_y']).get('x_y')).toBe('my_server__x_y');
  });

  it('gives every tool a hash when none of the colliding siblings spells the name', () => {
    const names = namespaceTools('s', ['x.y', 'x y']);
    expect(names.get('x.y')).toMatch(/^s__x_y_[0-9a-f]{8}$/);
    expect(names.get('x y')).toMatch(/^s__x_y_[0-9a-f]{8}$/);
    expect(names.get('x.y')).not.toBe(names.get('x y'));
  });
});

describe('scopeToolNames', () => {
  const servers = [
    { server: 'alpha', tools: ['echo', 'time'] },
    { server: 'beta', tools: ['echo', 'add'] },
  ];
  const flat = (names: Map<string, Map<string, string>>) =>
    [...names.entries()].flatMap(([server, tools]) =>
      [...tools.entries()].map(([tool, name]) => `${server}:${tool}=${name}`),
    );

  it('always namespaces every tool, as namespaceTools does', () => {
    expect(flat(scopeToolNames(servers, 'always'))).toEqual([
      'alpha:echo=alpha__echo',
      'alpha:time=alpha__time',
      'beta:echo=beta__echo',
      'beta:add=beta__add',
    ]);
  });

  it('auto prefixes only the names two servers share, on both sides', () => {
    expect(flat(scopeToolNames(servers, 'auto'))).toEqual([
      'alpha:echo=alpha__echo',
      'alpha:time=time',
      'beta:echo=beta__echo',
      'beta:add=add',
    ]);
  });

  it('never keeps bare names; a shared one stays with the server that had it', () => {
    const first = flat(scopeToolNames(servers, 'never'));
    expect(first).toEqual([
      'alpha:echo=echo',
      'alpha:time=time',
      'beta:echo=beta__echo',
      'beta:add=add',
    ]);
    const previous = (server: string, tool: string) =>
      server === 'beta' && tool === 'echo' ? 'echo' : undefined;
    expect(flat(scopeToolNames(servers, 'never', previous))).toContain('beta:echo=echo');
    expect(flat(scopeToolNames(servers, 'never', previous))).toContain('alpha:echo=alpha__echo');
  });

  it('keeps every name unique and valid, even when a bare name looks prefixed', () => {
    const tricky = [
      { server: 'a', tools: ['b', 'x'] },
      { server: 'c', tools: ['a__b', 'b', 'get.weather', 'z'.repeat(80)] },
    ];
    for (const mode of ['always', 'auto', 'never'] as const) {
      const names = flat(scopeToolNames(tricky, mode)).map((entry) => entry.split('=')[1]);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(name).toMatch(TOOL_NAME_PATTERN);
    }
  });

  it('keeps a tool its name under every mode when a sibling sanitizing to it arrives', () => {
    const before = [{ server: 'f6', tools: ['x_y', 'add'] }];
    const after = [{ server: 'f6', tools: ['x_y', 'add', 'x.y'] }];
    const expected = { always: 'f6__x_y', auto: 'x_y', never: 'x_y' } as const;
    for (const mode of ['always', 'auto', 'never'] as const) {
      expect(scopeToolNames(before, mode).get('f6')!.get('x_y')).toBe(expected[mode]);
      const names = scopeToolNames(after, mode).get('f6')!;
      expect(names.get('x_y')).toBe(expected[mode]);
      expect(names.get('x.y')).toMatch(/^f6__x_y_[0-9a-f]{8}$/);
    }
  });

  it('keeps names unique when one server name holds the separator (a__b vs a + b__time)', () => {
    const clash = [
      { server: 'a', tools: ['b__time'] },
      { server: 'a__b', tools: ['time'] },
    ];
    for (const mode of ['always', 'auto', 'never'] as const) {
      const names = flat(scopeToolNames(clash, mode));
      // Under always, the first server keeps the plain name; the later one's yields (a hash).
      if (mode === 'always') expect(names[0]).toBe('a:b__time=a__b__time');
      const values = names.map((entry) => entry.split('=')[1]);
      expect(new Set(values).size).toBe(values.length);
    }
  });
});
