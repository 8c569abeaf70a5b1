import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { applyHttpTimeouts } from './http-timeouts.js';

describe('applyHttpTimeouts', () => {
  it('sets the keep-alive timeout, the headers timeout just above it, and no shorter request timeout', () => {
    const server = createServer();
    applyHttpTimeouts(server, 65_000);
    expect([server.keepAliveTimeout, server.headersTimeout]).toEqual([65_000, 66_000]);
    expect(server.requestTimeout).toBe(300_000);
    // A Google Cloud load balancer keeps backend connections 600 s: 620 s is advised.
    applyHttpTimeouts(server, 620_000);
    expect([server.keepAliveTimeout, server.headersTimeout]).toEqual([620_000, 621_000]);
    expect(server.requestTimeout).toBe(621_000);
  });
});
