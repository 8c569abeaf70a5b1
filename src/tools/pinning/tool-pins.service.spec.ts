import { describe, expect, it, jest } from '@jest/globals';
import type { RedisConnections } from '../../common/redis/redis-connections.js';
import type { GatewayConfig } from '../../config/gateway-config.js';
import type { ServerSpec } from '../../servers/server-spec.js';
import { ToolPins } from './tool-pins.service.js';

/** ToolPins without Redis (its in-memory store), in enforce mode, with its clock and log in hand. */
function pinsInMemory() {
  const config = { security: { toolPinning: 'enforce', toolPinTtlDays: 30 } } as GatewayConfig;
  const redis = { key: (...parts: string[]) => parts.join(':'), get: () => undefined };
  const pins = new ToolPins(config, redis as unknown as RedisConnections);
  let now = 1_000_000;
  pins.now = () => now;
  const warn = jest.fn();
  (pins as unknown as { logger: { warn: typeof warn } }).logger.warn = warn;
  return { pins, warn, advance: (ms: number) => (now += ms) };
}

const spec: ServerSpec = { url: 'http://127.0.0.1:1/mcp', headers: {} };
const tool = (description: string) => ({
  name: 'drift',
  description,
  inputSchema: { type: 'object' as const },
});

describe('ToolPins, a server whose definition keeps changing', () => {
  it('quarantines every change, warns at most once a minute per tool, and keeps one entry per tool', () => {
    const { pins, warn, advance } = pinsInMemory();
    expect(pins.verdict('s', spec, tool('v0'))).toBe('trusted');
    for (let i = 1; i <= 500; i++) {
      expect(pins.verdict('s', spec, tool(`v${i}`))).toBe('quarantined');
      advance(100);
    }
    // 500 changes over 50 s: one warning, one entry.
    expect(warn).toHaveBeenCalledTimes(1);
    expect((pins as unknown as { warned: Map<string, unknown> }).warned.size).toBe(1);
    advance(60_000);
    pins.verdict('s', spec, tool('v501'));
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1][0]).toContain('(499 more change(s) since the last warning)');
    // The same definition again says nothing new.
    advance(60_000);
    pins.verdict('s', spec, tool('v501'));
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('says the changes held back once their minute is over, when no later change comes to say them', () => {
    jest.useFakeTimers();
    try {
      const { pins, warn, advance } = pinsInMemory();
      pins.verdict('s', spec, tool('v0'));
      pins.verdict('s', spec, tool('v1'));
      advance(1_000);
      pins.verdict('s', spec, tool('v2'));
      pins.verdict('s', spec, tool('v3'));
      expect(warn).toHaveBeenCalledTimes(1);
      // The definition served now (v3) must reach the audit log though nothing changes after it.
      advance(59_000);
      jest.advanceTimersByTime(59_000);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls[1][0]).toContain('(2 more change(s) since the last warning)');
    } finally {
      jest.useRealTimers();
    }
  });
});
