/**
 * Upper bounds of the numeric variables. Without them a mistyped value is accepted and fails
 * later, far from its cause: Node runs a timer above TIMER_MAX_MS after 1 ms (with a
 * TimeoutOverflowWarning), so a huge timeout fired at once and a huge interval every
 * millisecond; a huge TTL made expiry dates Date cannot hold.
 */

/** The longest a Node timer waits (2^31 - 1 ms, about 24.8 days): anything feeding one. */
export const TIMER_MAX_MS = 2_147_483_647;

/**
 * Ten years: past any sensible lifetime of a session, a pin or a queue answer, while
 * `now + ttl` in ms stays far inside what Date represents and Redis's EX/PEXPIREAT accept.
 */
export const TTL_MAX_SECONDS = 10 * 365 * 86_400;
export const TTL_MAX_DAYS = 10 * 365;

/** Counts and byte sizes: integers a double still holds exactly. */
export const COUNT_MAX = Number.MAX_SAFE_INTEGER;
