import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { toolError, toolResult } from './results.js';

export const DEFAULT_TIME_ZONE = 'UTC';

export interface TimeInfo {
  /** Canonical IANA name of the zone the local fields are expressed in. */
  timezone: string;
  /** The instant in UTC, ISO 8601 (`2025-01-31T13:45:00.000Z`). */
  iso: string;
  /** The same instant as local wall-clock time with its offset (`2025-01-31T14:45:00.000+01:00`). */
  localIso: string;
  /** Human readable local date and time (`Friday, January 31, 2025 at 2:45:00 PM GMT+1`). */
  local: string;
  /** Offset from UTC in effect at that instant (`+01:00`). */
  utcOffset: string;
  /** Milliseconds since the Unix epoch. */
  unixMs: number;
}

export class UnknownTimeZoneError extends Error {
  override readonly name = 'UnknownTimeZoneError';
}

function formatterFor(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UnknownTimeZoneError(
        `Unknown time zone '${timeZone}'. Use an IANA time zone name such as 'UTC', 'Europe/Paris' or 'America/New_York'.`,
      );
    }
    throw error;
  }
}

/** Describes `date` in `timeZone`; throws {@link UnknownTimeZoneError} for a zone Intl does not know. */
export function describeTime(date: Date, timeZone: string = DEFAULT_TIME_ZONE): TimeInfo {
  const human = formatterFor(timeZone, { dateStyle: 'full', timeStyle: 'long' });
  const parts = formatterFor(timeZone, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';

  // longOffset renders as "GMT+01:00", or plain "GMT" for a zero offset.
  const utcOffset = part('timeZoneName').replace(/^GMT/, '') || '+00:00';
  const localIso =
    `${part('year')}-${part('month')}-${part('day')}` +
    `T${part('hour')}:${part('minute')}:${part('second')}.${part('fractionalSecond')}${utcOffset}`;

  return {
    timezone: human.resolvedOptions().timeZone,
    iso: date.toISOString(),
    localIso,
    local: human.format(date),
    utcOffset,
    unixMs: date.getTime(),
  };
}

export function registerTimeTool(server: McpServer, now: () => Date = () => new Date()): void {
  server.registerTool(
    'time',
    {
      title: 'Current time',
      description:
        'Returns the current date and time: the UTC instant in ISO 8601, plus the local wall-clock ' +
        `time and UTC offset in the requested IANA time zone (default ${DEFAULT_TIME_ZONE}).`,
      inputSchema: {
        timezone: z
          .string()
          .min(1)
          .max(100)
          .optional()
          .describe(
            `IANA time zone name, e.g. "Europe/Paris", "America/New_York" or "Asia/Tokyo". Defaults to "${DEFAULT_TIME_ZONE}".`,
          ),
      },
      outputSchema: {
        timezone: z.string().describe('Canonical IANA name of the time zone used'),
        iso: z.string().describe('The current instant in UTC, ISO 8601'),
        localIso: z.string().describe('Local time in the zone, ISO 8601 with UTC offset'),
        local: z.string().describe('Human readable local date and time'),
        utcOffset: z.string().describe('UTC offset in effect, e.g. "+02:00"'),
        unixMs: z.number().describe('Milliseconds since the Unix epoch'),
      },
      annotations: { title: 'Current time', readOnlyHint: true, openWorldHint: false },
    },
    ({ timezone }) => {
      let info: TimeInfo;
      try {
        info = describeTime(now(), timezone ?? DEFAULT_TIME_ZONE);
      } catch (error) {
        if (error instanceof UnknownTimeZoneError) return toolError(error.message);
        throw error;
      }
      return toolResult(
        `${info.local} (${info.timezone}, UTC${info.utcOffset}). ISO: ${info.localIso}; UTC: ${info.iso}`,
        { ...info },
      );
    },
  );
}
