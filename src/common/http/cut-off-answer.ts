import type { ServerResponse } from 'node:http';

/**
 * How a response whose headers are out (an MCP door's SSE stream, say) answers what it still
 * owes when the shutdown grace cuts it off. Registered by whoever streams it; the drain, which
 * knows only the response, calls it with its message. Without one, the drain can only end the
 * stream, and an MCP client would wait for its own timeout to learn its call is gone.
 */
const cutOffAnswers = new WeakMap<ServerResponse, (message: string) => void>();

export function onCutOff(res: ServerResponse, answer: (message: string) => void): void {
  cutOffAnswers.set(res, answer);
}

/** Answers and ends a cut-off response; false when nobody registered how (just end it). */
export function answerCutOff(res: ServerResponse, message: string): boolean {
  const answer = cutOffAnswers.get(res);
  if (!answer) return false;
  cutOffAnswers.delete(res);
  answer(message);
  return true;
}
