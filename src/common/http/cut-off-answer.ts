import type { ServerResponse } from 'node:http';

/**
 * How a response whose headers are out (an MCP door's SSE stream, say) answers what it still
 * owes when the shutdown grace cuts it off. Registered by whoever streams it; the drain, which
 * knows only the response, calls it with its message. Without one, the drain can only end the
 * stream, and an MCP client would wait for its own timeout to learn its call is gone.
 *
 * Kept in the response's `locals` (Express gives every response that object, without a
 * prototype), not in a module-wide WeakMap keyed by responses: V8's scavenger keeps the young
 * keys of a WeakMap in the old generation alive, so every response of the MCP door, and all
 * its call reaches, outlived its scavenges until a full GC (9 KB promoted per call;
 * docs/benchmarks.md, item 15). Not a property of the response itself either: one only some
 * responses get would give responses two hidden classes on the whole HTTP path.
 */
const CUT_OFF_ANSWER = Symbol('cutOffAnswer');

type Answer = (message: string) => void;

interface WithLocals {
  locals?: Record<symbol, Answer | undefined>;
}

export function onCutOff(res: ServerResponse, answer: Answer): void {
  const holder = res as WithLocals;
  holder.locals ??= Object.create(null) as Record<symbol, Answer | undefined>;
  holder.locals[CUT_OFF_ANSWER] = answer;
}

/** Answers and ends a cut-off response; false when nobody registered how (just end it). */
export function answerCutOff(res: ServerResponse, message: string): boolean {
  const locals = (res as WithLocals).locals;
  const answer = locals?.[CUT_OFF_ANSWER];
  if (!locals || !answer) return false;
  locals[CUT_OFF_ANSWER] = undefined;
  answer(message);
  return true;
}
