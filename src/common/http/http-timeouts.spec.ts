import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { applyHttpTimeouts } from './http-timeouts.js';

describe('applyHttpTimeouts', () => {
  it('sets the keep-alive timeout, and the request and headers timeouts to the request one', () => {
    const server = createServer();
    applyHttpTimeouts(server, 65_000, 30_000);
    expect([server.keepAliveTimeout, server.requestTimeout, server.headersTimeout]).toEqual([
      65_000, 30_000, 30_000,
    ]);
    // A Google Cloud load balancer keeps backend connections 600 s: 620 s is advised.
    applyHttpTimeouts(server, 620_000, 30_000);
    expect(server.keepAliveTimeout).toBe(620_000);
  });
});
