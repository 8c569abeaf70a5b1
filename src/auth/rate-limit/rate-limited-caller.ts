import type { ShowLimit } from './rate-limits.js';

/** The HTTP caller as the rate limits count it, carried from its request to its tool calls. */
export interface RateLimitedCaller {
  /** The API key's digest or the client address (callerTracker). */
  tracker: string;
  /** Sets the X-RateLimit-* headers while the answer has not started. */
  show: ShowLimit;
}
