import { describe, expect, it } from '@jest/globals';
import { missingCapability } from './client-capabilities.js';

const SAMPLE = 'sampling/createMessage';
const ELICIT = 'elicitation/create';

describe('missingCapability', () => {
  it('asks sampling of a client that declared sampling; with tools, only if it declared sampling.tools', () => {
    expect(missingCapability(SAMPLE, {}, {})).toBe('the sampling capability');
    expect(missingCapability(SAMPLE, {}, undefined)).toBe('the sampling capability');
    expect(missingCapability(SAMPLE, {}, { sampling: {} })).toBeUndefined();
    expect(missingCapability(SAMPLE, { tools: [] }, { sampling: {} })).toBe(
      'the sampling.tools capability',
    );
    expect(missingCapability(SAMPLE, { toolChoice: {} }, { sampling: {} })).toBe(
      'the sampling.tools capability',
    );
    expect(missingCapability(SAMPLE, { tools: [] }, { sampling: { tools: {} } })).toBeUndefined();
  });

  it('takes `elicitation: {}` for form mode, and asks URL mode only of a client that declared it', () => {
    expect(missingCapability(ELICIT, {}, { sampling: {} })).toBe('the elicitation capability');
    expect(missingCapability(ELICIT, {}, { elicitation: {} })).toBeUndefined();
    expect(missingCapability(ELICIT, { mode: 'form' }, { elicitation: {} })).toBeUndefined();
    expect(missingCapability(ELICIT, { mode: 'url' }, { elicitation: {} })).toBe(
      'the elicitation.url capability',
    );
    expect(
      missingCapability(ELICIT, { mode: 'url' }, { elicitation: { url: {} } }),
    ).toBeUndefined();
    expect(missingCapability(ELICIT, {}, { elicitation: { url: {} } })).toBe(
      'the elicitation.form capability',
    );
    expect(
      missingCapability(ELICIT, { mode: 'form' }, { elicitation: { form: {}, url: {} } }),
    ).toBeUndefined();
  });

  it('needs nothing declared for other methods', () => {
    expect(missingCapability('ping', {}, {})).toBeUndefined();
  });
});
