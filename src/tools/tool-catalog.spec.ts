import { describe, expect, it } from '@jest/globals';
import { FakeCatalog, tool } from '../routing/testing/fake-catalog.js';

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
