import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { GatewayExpressAdapter } from './express-adapter.js';

describe('GatewayExpressAdapter', () => {
  it('has Node build requests and responses with the app prototypes Express gives them', async () => {
    const adapter = new GatewayExpressAdapter();
    adapter.initHttpServer({});
    const app = adapter.getInstance<Express>();
    app.get('/x', (_req, res) => {
      res.json({ ok: true });
    });
    const server = adapter.getHttpServer() as Server;
    const seen: boolean[] = [];
    // Before Express sees them: the prototypes must already be its own.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push(
        Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/x`);
      expect(await res.json()).toEqual({ ok: true });
      expect(seen).toEqual([true]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
