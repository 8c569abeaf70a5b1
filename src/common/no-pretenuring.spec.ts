import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { NO_PRETENURING_FLAG } from './no-pretenuring.js';

/**
 * In a child Node: one object literal whose objects all survive, and a scavenge after every
 * batch. With pretenuring V8 soon allocates that site's objects in the old generation; with
 * the flag set at run time (as the entry points do) they are still born young.
 */
function roundsBornOld(flag: string | undefined): number {
  const script = `
    import { setFlagsFromString } from 'node:v8';
    ${flag ? `setFlagsFromString(${JSON.stringify(flag)});` : ''}
    const kept = [];
    const make = (i) => ({ i, next: null });
    let old = 0;
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 5000; i++) kept.push(make(i));
      gc({ type: 'minor' });
      if (!%InYoungGeneration(make(-1))) old++;
    }
    process.stdout.write(String(old));
  `;
  const out = execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return Number(out);
}

describe('no-pretenuring', () => {
  it('names a flag this Node takes at run time, which keeps a surviving site young', () => {
    expect(roundsBornOld(NO_PRETENURING_FLAG)).toBe(0);
  });

  it('is needed: without it the same site is pretenured', () => {
    expect(roundsBornOld(undefined)).toBeGreaterThan(0);
  });
});
