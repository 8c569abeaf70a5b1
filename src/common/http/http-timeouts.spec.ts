import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import {
  applyHttpTimeouts,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  keepAliveTimeoutMs,
} from './http-timeouts.js';

describe('HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
  it('defaults to 65 s, also when empty', () => {
    expect(keepAliveTimeoutMs({})).toBe(DEFAULT_KEEP_ALIVE_TIMEOUT_MS);
    expect(keepAliveTimeoutMs({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '' })).toBe(65_000);
    expect(keepAliveTimeoutMs({ HTTP_KEEP_ALIVE_TIMEOUT_MS: ' 75000 ' })).toBe(75_000);
  });

  it('refuses what is not a whole number of milliseconds between 1 s and 1 h, naming it', () => {
    for (const [value, said] of [
      ['65s', 'must be an integer number'],
      ['1.5', 'must be an integer number'],
      ['-1', 'must not be less than 1000'],
      ['999', 'must not be less than 1000'],
      ['3600001', 'must not be greater than 3600000'],
    ]) {
      expect(() => keepAliveTimeoutMs({ HTTP_KEEP_ALIVE_TIMEOUT_MS: value })).toThrow(
        `Invalid configuration:\n  HTTP_KEEP_ALIVE_TIMEOUT_MS="${value}": HTTP_KEEP_ALIVE_TIMEOUT_MS ${said}`,
      );
    }
  });

  it('sets the keep-alive timeout, the headers timeout just above it, and no shorter request timeout', () => {
    const server = createServer();
    const app = { getHttpServer: () => server };
    applyHttpTimeouts(app, {});
    expect([server.keepAliveTimeout, server.headersTimeout]).toEqual([65_000, 66_000]);
    expect(server.requestTimeout).toBe(300_000);
    // A Google Cloud load balancer keeps backend connections 600 s: 620 s is advised.
    applyHttpTimeouts(app, { HTTP_KEEP_ALIVE_TIMEOUT_MS: '620000' });
    expect([server.keepAliveTimeout, server.headersTimeout]).toEqual([620_000, 621_000]);
    expect(server.requestTimeout).toBe(621_000);
  });
});
