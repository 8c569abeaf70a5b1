import { describe, expect, it } from '@jest/globals';
import { describeTime, UnknownTimeZoneError } from './time-tool.js';

const instant = new Date('2025-07-14T10:30:05.123Z');

describe('describeTime', () => {
  it('defaults to UTC', () => {
    expect(describeTime(instant)).toEqual({
      timezone: 'UTC',
      iso: '2025-07-14T10:30:05.123Z',
      localIso: '2025-07-14T10:30:05.123+00:00',
      local: 'Monday, July 14, 2025 at 10:30:05 AM UTC',
      utcOffset: '+00:00',
      unixMs: instant.getTime(),
    });
  });

  it('applies the zone offset, including daylight saving time', () => {
    expect(describeTime(instant, 'Europe/Paris')).toMatchObject({
      timezone: 'Europe/Paris',
      iso: '2025-07-14T10:30:05.123Z',
      localIso: '2025-07-14T12:30:05.123+02:00',
      utcOffset: '+02:00',
    });
    expect(describeTime(new Date('2025-01-14T10:30:05.123Z'), 'Europe/Paris').utcOffset).toBe(
      '+01:00',
    );
    expect(describeTime(instant, 'Asia/Kolkata').localIso).toBe('2025-07-14T16:00:05.123+05:30');
    expect(describeTime(instant, 'America/New_York').localIso).toBe(
      '2025-07-14T06:30:05.123-04:00',
    );
  });

  it('renders midnight as 00, not 24', () => {
    expect(describeTime(new Date('2025-07-14T00:00:00.000Z')).localIso).toBe(
      '2025-07-14T00:00:00.000+00:00',
    );
  });

  it('rejects unknown zones with a helpful error', () => {
    expect(() => describeTime(instant, 'Mars/Olympus_Mons')).toThrow(UnknownTimeZoneError);
    expect(() => describeTime(instant, 'Mars/Olympus_Mons')).toThrow(
      "Unknown time zone 'Mars/Olympus_Mons'. Use an IANA time zone name",
    );
  });
});
