import { describe, expect, it } from '@jest/globals';
import { namespaceTools, TOOL_NAME_PATTERN } from './tool-naming.js';

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
});
