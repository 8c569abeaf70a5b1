import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { parseSince } from './since.js';

const now = Date.parse('2025-06-01T12:00:00.000Z');

function rejection(value: string): GatewayError {
  try {
    parseSince(value, now);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error(`'${value}' was accepted`);
}

describe('parseSince', () => {
  it('reads durations back from now, 24h by default', () => {
    expect(parseSince('15m', now)).toBe(now - 15 * 60_000);
    expect(parseSince('30s', now)).toBe(now - 30_000);
    expect(parseSince('1d', now)).toBe(now - 86_400_000);
    expect(parseSince(undefined, now)).toBe(now - 86_400_000);
  });

  it('reads ISO date-times with a zone', () => {
    expect(parseSince('2025-06-01T11:00:00Z', now)).toBe(now - 3_600_000);
    expect(parseSince('2025-06-01T13:30:00+02:00', now)).toBe(now - 30 * 60_000);
  });

  it('clamps a start a few minutes past the retention to the retention', () => {
    expect(parseSince('2025-05-31T11:58:00Z', now)).toBe(now - 86_400_000);
  });

  it.each([
    'yesterday',
    '15',
    '15 minutes',
    '-5m',
    '2025-06-01',
    '2025-06-01T11:00:00',
    '0m',
    '2d',
  ])('refuses %p with INVALID_REQUEST', (value) => {
    const error = rejection(value);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('refuses a start in the future', () => {
    expect(rejection('2025-06-01T12:00:01Z').message).toMatch(/past/);
  });
});
