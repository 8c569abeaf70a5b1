import type { ServerResponse } from 'node:http';

/**
 * How a response whose headers are out (an MCP door's SSE stream, say) answers what it still
 * owes when the shutdown grace cuts it off. Registered by whoever streams it; the drain, which
 * knows only the response, calls it with its message. Without one, the drain can only end the
 * stream, and an MCP client would wait for its own timeout to learn its call is gone.
 *
 * Kept on the response itself, not in a module-wide WeakMap keyed by responses: V8's scavenger
 * treats the entries of a WeakMap in the old generation as strong, so every response of the
 * MCP door (and all its call reaches) outlived its scavenges until a full GC, 9 KB promoted
 * per call (docs/benchmarks.md, "Garbage kept alive by a Set or a WeakMap").
 */
const CUT_OFF_ANSWER = Symbol('cutOffAnswer');

interface WithCutOffAnswer {
  [CUT_OFF_ANSWER]?: (message: string) => void;
}

export function onCutOff(res: ServerResponse, answer: (message: string) => void): void {
  (res as WithCutOffAnswer)[CUT_OFF_ANSWER] = answer;
}

/** Answers and ends a cut-off response; false when nobody registered how (just end it). */
export function answerCutOff(res: ServerResponse, message: string): boolean {
  const holder = res as WithCutOffAnswer;
  const answer = holder[CUT_OFF_ANSWER];
  if (!answer) return false;
  holder[CUT_OFF_ANSWER] = undefined;
  answer(message);
  return true;
}
