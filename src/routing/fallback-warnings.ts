import { Logger } from '@nestjs/common';
import type { Fallback } from './tool-router.js';

const EVERY_MS = 60_000;

/**
 * Says in the log when a model strategy fails and search answers with the ranking beneath it:
 * the answer's `strategy` tells the caller, but an operator whose embeddings endpoint is down
 * would otherwise only find out from answers. The first of each reason at once, then at most
 * once a minute with how many were held back. A hybrid catalog still being embedded is not a
 * failure and is not said (its routers set no `fallback`).
 */
export class FallbackWarnings {
  private readonly logger = new Logger('Search');
  /** Per strategy and reason (a short, bounded set: see failureReason). */
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  note(fallback: Fallback | undefined): void {
    if (!fallback) return;
    const { failed, reason, answeredWith } = fallback;
    const key = `${failed}\0${reason}`;
    const now = this.now();
    const last = this.last.get(key);
    if (last && now - last.at < EVERY_MS) {
      last.held++;
      return;
    }
    const held = last?.held ? `; ${last.held} more since the last warning` : '';
    this.logger.warn(`${failed} search failed (${reason}); answered with ${answeredWith}${held}`);
    this.last.set(key, { at: now, held: 0 });
  }
}
