import { describe, expect, it } from '@jest/globals';
import { HOUR_MS, HOURS_KEPT, MINUTE_MS, MINUTES_KEPT, planWindow } from './time-buckets.js';

/** [start, end) of every bucket a plan reads. */
function spans(plan: ReturnType<typeof planWindow>): Array<[number, number]> {
  return [
    ...plan.hours.map((h): [number, number] => [h * HOUR_MS, (h + 1) * HOUR_MS]),
    ...plan.minutes.map((m): [number, number] => [m * MINUTE_MS, (m + 1) * MINUTE_MS]),
  ].sort((a, b) => a[0] - b[0]);
}

describe('planWindow', () => {
  const now = Date.parse('2025-06-01T12:34:56.789Z');

  it('reads minutes only for a window inside the last hour', () => {
    const plan = planWindow(now - 15 * MINUTE_MS, now);
    expect(plan.hours).toEqual([]);
    expect(plan.minutes).toHaveLength(16);
    expect(new Date(plan.from).toISOString()).toBe('2025-06-01T12:19:00.000Z');
  });

  it('reads past hours plus the minutes of the current hour for a long window', () => {
    const plan = planWindow(now - 24 * HOUR_MS, now);
    expect(plan.hours).toHaveLength(24);
    expect(plan.minutes).toHaveLength(35);
    expect(new Date(plan.from).toISOString()).toBe('2025-05-31T12:00:00.000Z');
  });

  it('covers the window without a gap or an overlap, up to now', () => {
    for (const back of [1, 59, 60, 61, 90, 600, 1439, 1440].map((m) => m * MINUTE_MS)) {
      const covered = spans(planWindow(now - back, now));
      for (let i = 1; i < covered.length; i++) expect(covered[i][0]).toBe(covered[i - 1][1]);
      expect(covered[0][0]).toBeLessThanOrEqual(now - back);
      expect(covered[covered.length - 1][1]).toBeGreaterThan(now);
    }
  });

  it('never reads more buckets than are kept', () => {
    for (let back = 0; back <= 24 * 60; back += 7) {
      const plan = planWindow(now - back * MINUTE_MS, now);
      expect(plan.minutes.length).toBeLessThanOrEqual(MINUTES_KEPT);
      expect(plan.hours.length).toBeLessThanOrEqual(HOURS_KEPT);
    }
  });
});
