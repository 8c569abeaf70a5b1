import { describe, expect, it, jest } from '@jest/globals';
import { FallbackWarnings } from './fallback-warnings.js';
import type { Fallback } from './tool-router.js';

const hybridDown = (reason: string): Fallback => ({
  failed: 'hybrid',
  reason,
  answeredWith: 'lexical',
});

function warnings() {
  let now = 1_000_000;
  const fallbacks = new FallbackWarnings(() => now);
  const warn = jest.fn();
  (fallbacks as unknown as { logger: { warn: typeof warn } }).logger.warn = warn;
  return { fallbacks, warn, advance: (ms: number) => (now += ms) };
}

describe('FallbackWarnings', () => {
  it('says the first fallback of a reason at once, then once a minute with the count held back', () => {
    const { fallbacks, warn, advance } = warnings();
    for (let i = 0; i < 10; i++) fallbacks.note(hybridDown('unreachable'));
    expect(warn.mock.calls).toEqual([
      ['hybrid search failed (unreachable); answered with lexical'],
    ]);
    advance(60_000);
    fallbacks.note(hybridDown('unreachable'));
    expect(warn.mock.calls[1]).toEqual([
      'hybrid search failed (unreachable); answered with lexical; 9 more since the last warning',
    ]);
  });

  it('keeps reasons and strategies apart, and leaves out rankings that did not fail', () => {
    const { fallbacks, warn } = warnings();
    fallbacks.note(hybridDown('unreachable'));
    fallbacks.note(hybridDown('HTTP 500'));
    fallbacks.note({ failed: 'llm', reason: 'timeout', answeredWith: 'hybrid' });
    // A ranking that did not fail (the routers set no fallback; see the hybrid router's spec
    // for a catalog still being embedded).
    fallbacks.note(undefined);
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'hybrid search failed (unreachable); answered with lexical',
      'hybrid search failed (HTTP 500); answered with lexical',
      'llm search failed (timeout); answered with hybrid',
    ]);
  });
});
