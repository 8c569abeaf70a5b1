/**
 * Two tiers of time buckets, like a round-robin database: per-minute buckets for the last
 * hour and per-hour buckets for the last day. Every record goes into both its minute and its
 * hour; a window reads minutes when it starts within the last hour, otherwise whole hours
 * for the past plus the minutes of the current hour. So a 15m window is exact to the minute,
 * a 24h window to the hour, and memory holds 62 + 26 buckets instead of 1,440.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** The longest window that can be asked for. */
export const RETENTION_MS = 24 * HOUR_MS;
/** Minutes kept: the 61 a one-hour window may touch, plus the one being rotated out. */
export const MINUTES_KEPT = 62;
/** Hours kept: the 25 a 24h window may touch (it is rounded down to the hour), plus one. */
export const HOURS_KEPT = 26;

export type Granularity = 'm' | 'h';

export interface BucketPlan {
  /** Absolute minute numbers (ms / MINUTE_MS) to read. */
  minutes: number[];
  /** Absolute hour numbers (ms / HOUR_MS) to read. */
  hours: number[];
  /** Where the window really starts once rounded to its buckets, in ms. */
  from: number;
}

export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS);
}

export function hourOf(at: number): number {
  return Math.floor(at / HOUR_MS);
}

/** The buckets that cover [since, now], each counted once. `since` is within RETENTION_MS. */
export function planWindow(since: number, now: number): BucketPlan {
  const currentMinute = minuteOf(now);
  if (since >= now - HOUR_MS) {
    const first = minuteOf(since);
    return { minutes: range(first, currentMinute), hours: [], from: first * MINUTE_MS };
  }
  const currentHour = hourOf(now);
  const firstHour = hourOf(since);
  return {
    // The current hour is still filling: read it by the minute, so it is never counted twice.
    hours: range(firstHour, currentHour - 1),
    minutes: range(currentHour * 60, currentMinute),
    from: firstHour * HOUR_MS,
  };
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}
