import { describe, expect, it } from '@jest/globals';
import { toolKeyPart } from './rate-limit.guard.js';

describe('toolKeyPart', () => {
  it('keeps a plausible tool name, and digests anything long or odd into 25 characters', () => {
    expect(toolKeyPart('demo__echo')).toBe('demo__echo');
    expect(toolKeyPart('server/tool.v2')).toBe('server/tool.v2');
    const huge = toolKeyPart('z'.repeat(1_000_000));
    expect(huge).toMatch(/^#[0-9a-f]{24}$/);
    expect(toolKeyPart('a\nb')).toMatch(/^#[0-9a-f]{24}$/);
    // Distinct names keep distinct counters.
    expect(toolKeyPart('y'.repeat(200))).not.toBe(toolKeyPart('x'.repeat(200)));
  });
});
