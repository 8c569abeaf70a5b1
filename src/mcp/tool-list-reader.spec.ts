import { describe, expect, it } from '@jest/globals';
import { nestedDeeperThan } from '../common/json-shape.js';
import { ToolListReader } from './tool-list-reader.js';

const tool = (name: unknown, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' },
  ...extra,
});

describe('ToolListReader', () => {
  it('keeps valid tools and names each invalid one, by position across pages when unnamed', () => {
    const reader = new ToolListReader(10);
    reader.read([tool('a'), { name: 'no_schema' }]);
    reader.read([null, tool('b', { outputSchema: { type: 'string' } }), tool('c')]);
    expect(reader.tools.map((t) => t.name)).toEqual(['a', 'c']);
    expect(reader.skipped).toEqual([
      {
        tool: 'no_schema',
        reason: 'inputSchema: Invalid input: expected object, received undefined',
      },
      { tool: '#2', reason: 'Invalid input: expected object, received null' },
      { tool: 'b', reason: expect.stringContaining('outputSchema.type') },
    ]);
  });

  it('keeps the first of two tools of one name, across pages, and names the second', () => {
    const reader = new ToolListReader(10);
    reader.read([tool('echo', { description: 'first' }), tool('other')]);
    reader.read([{ name: 'echo' }, tool('echo', { description: 'second' })]);
    expect(reader.tools.map((t) => [t.name, t.description])).toEqual([
      ['echo', 'first'],
      ['other', undefined],
    ]);
    expect(reader.skipped).toEqual([
      { tool: 'echo', reason: expect.stringContaining('inputSchema') },
      {
        tool: 'echo',
        reason: 'listed more than once (#0 and #3); the first definition is kept',
      },
    ]);
  });

  it('clips what a server controls: a long name and a long reason', () => {
    const reader = new ToolListReader(10);
    reader.read([{ name: 'n'.repeat(5000) }]);
    expect(reader.skipped[0].tool.length).toBeLessThanOrEqual(101);
  });

  it('stops reading once it holds one tool more than asked for', () => {
    const reader = new ToolListReader(2);
    reader.read([tool('a'), tool('b'), tool('c'), tool('d'), { name: 'bad' }]);
    expect(reader.full).toBe(true);
    expect(reader.tools.map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(reader.skipped).toEqual([]);
  });
});

describe('ToolListReader and blank names', () => {
  it('leaves out a tool whose name is empty or blank, by position', () => {
    const reader = new ToolListReader(10);
    reader.read([tool(''), tool('  '), tool('ok')]);
    expect(reader.tools.map((t) => t.name)).toEqual(['ok']);
    expect(reader.skipped).toEqual([
      { tool: '#0', reason: 'the name is empty' },
      { tool: '#1', reason: 'the name is empty' },
    ]);
  });
});

describe('nestedDeeperThan', () => {
  const nested = (levels: number) => {
    let value: unknown = {};
    for (let i = 1; i < levels; i++) value = i % 2 ? [value] : { p: value };
    return value;
  };

  it('counts objects and arrays alike, and reads any depth without recursing', () => {
    expect(nestedDeeperThan(nested(100), 100)).toBe(false);
    expect(nestedDeeperThan(nested(101), 100)).toBe(true);
    expect(nestedDeeperThan(nested(200_000), 100)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });
});
