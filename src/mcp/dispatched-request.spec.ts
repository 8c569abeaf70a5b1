import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Pool } from 'undici';
import { dispatchRequest } from './dispatched-request.js';

/** 1 MiB in 16 KiB writes: well past the body's 64 KiB high-water mark. */
const BIG = Buffer.alloc(1024 * 1024, 'abcdefghijklmnopqrstuvwxyz');

describe('dispatchRequest (undici dispatch, the upstream hop)', () => {
  let server: Server;
  let pool: Pool;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let at = 0; at < BIG.length; at += 16 * 1024)
          res.write(BIG.subarray(at, at + 16 * 1024));
        res.end();
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
      } else {
        res.writeHead(201, { 'x-answer': 'small' });
        res.end('ok');
      }
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  });

  afterAll(async () => {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, signal?: AbortSignal) =>
    dispatchRequest(pool, { path, method: 'GET' }, signal);

  it('gives the status, the headers and the whole body, paused and resumed past its high-water mark', async () => {
    const answer = await get('/big');
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    // Let the socket fill the queue before reading, so that it is paused and must be resumed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const chunks: Buffer[] = [];
    for await (const chunk of answer.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(BIG)).toBe(true);
  });

  it('reuses the connection after a body is dumped', async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const answer = await get('/small');
      expect(answer.statusCode).toBe(201);
      expect(answer.headers['x-answer']).toBe('small');
      await answer.body.dump();
    }
    expect(connections - before).toBeLessThanOrEqual(1);
  });

  it('fails a read in progress when the signal aborts, with the signal reason', async () => {
    const abort = new AbortController();
    const answer = await get('/hang', abort.signal);
    const reading = (async () => {
      for await (const chunk of answer.body) abort.abort(new Error(`stop after ${chunk.length}`));
    })();
    await expect(reading).rejects.toThrow('stop after');
  });

  it('rejects at once with a signal aborted before the request goes out', async () => {
    const abort = new AbortController();
    abort.abort(new Error('too late'));
    await expect(get('/small', abort.signal)).rejects.toThrow('too late');
  });

  it('ends the exchange when its reader stops early, and the next request still gets through', async () => {
    const answer = await get('/hang');
    for await (const chunk of answer.body) {
      expect(chunk.toString()).toContain('first');
      break;
    }
    const next = await get('/small');
    expect(next.statusCode).toBe(201);
    await next.body.dump();
  });
});
