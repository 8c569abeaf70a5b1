import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { RETENTION_MS } from './time-buckets.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RELATIVE = /^(\d{1,6})([smhd])$/;
/** ISO 8601 date-time with a zone, e.g. 2025-06-01T12:00:00Z or ...+02:00. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
export const DEFAULT_SINCE = '24h';
const GRACE_MS = 5 * 60_000;

/**
 * The start of an analytics window, in epoch ms: relative (`15m`, `24h`, `1d`) or an ISO
 * date-time with a zone. A window longer than the retention is refused rather than quietly
 * shortened, so a figure never claims a period it does not cover.
 */
export function parseSince(value: string | undefined, now: number): number {
  const text = (value ?? DEFAULT_SINCE).trim();
  let since: number;
  const relative = RELATIVE.exec(text);
  if (relative) {
    since = now - Number(relative[1]) * UNIT_MS[relative[2]];
  } else if (ISO.test(text) && !Number.isNaN(Date.parse(text))) {
    since = Date.parse(text);
  } else {
    throw invalid(
      `'since' must be a duration like 15m, 24h or 1d, or an ISO date-time like 2025-06-01T12:00:00Z; got '${text.slice(0, 64)}'`,
    );
  }
  if (since >= now) throw invalid(`'since' must be in the past; got '${text}'`);
  // A little slack for clients that compute "24 hours ago" themselves and send it late.
  if (since < now - RETENTION_MS - GRACE_MS) {
    throw invalid(`'since' reaches past the ${RETENTION_MS / 3_600_000}h retention; got '${text}'`);
  }
  return Math.max(since, now - RETENTION_MS);
}

function invalid(message: string): GatewayError {
  return new GatewayError(ErrorCode.INVALID_REQUEST, message);
}
