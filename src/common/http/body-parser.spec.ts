import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import fc from 'fast-check';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonBodyParser } from './body-parser.js';

const LIMIT = 2_000;

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Sends raw bytes: with a Content-Length (the plain reader's case) or chunked, which only
 * body-parser reads. Same bytes, same headers otherwise, so the two answers must agree.
 */
function send(port: number, bytes: Buffer, framing: 'length' | 'chunked', type: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/echo',
        headers: {
          'content-type': type,
          ...(framing === 'length'
            ? { 'content-length': bytes.length }
            : { 'transfer-encoding': 'chunked' }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

describe('jsonBodyParser: the plain reader and body-parser give the same answer', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = express();
    const [mediaType, reader, shape, onError] = jsonBodyParser(LIMIT);
    // Which reader took the body: the plain one keeps the text, body-parser the bytes.
    const probe: express.RequestHandler = (req, res, next) => {
      const kept = (req as { rawJson?: object }).rawJson;
      res.locals.read = kept && ('text' in kept ? 'text' : 'bytes');
      next();
    };
    app.use(mediaType, reader, probe, shape, onError);
    app.post('/echo', (req, res) => {
      res.json({ body: req.body as unknown, read: res.locals.read as unknown });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Both answers, without saying which reader took the body (checked apart, above). */
  const both = async (bytes: Buffer, type = 'application/json') => {
    const withoutReader = ({ status, body }: Answer): Answer => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { read, ...rest } = body as { read?: string };
      return { status, body: rest };
    };
    const plain = withoutReader(await send(port, bytes, 'length', type));
    const parsed = withoutReader(await send(port, bytes, 'chunked', type));
    return { plain, parsed };
  };

  it('reads a Content-Length body itself and leaves a chunked one to body-parser', async () => {
    // The route answers what reached it: the plain reader keeps the text, body-parser the bytes.
    const plain = await send(port, Buffer.from('{"a":1}'), 'length', 'application/json');
    const parsed = await send(port, Buffer.from('{"a":1}'), 'chunked', 'application/json');
    expect(plain.body).toEqual({ body: { a: 1 }, read: 'text' });
    expect(parsed.body).toEqual({ body: { a: 1 }, read: 'bytes' });
  });

  it.each([
    ['an object', '{"tool_name":"demo__echo","arguments":{"message":"hi"}}'],
    ['an array', '[1,2,{"a":null}]'],
    ['a number', '5'],
    ['null', 'null'],
    ['a string', '"x"'],
    ['only spaces', '   '],
    ['broken JSON', '{"a":'],
    ['a bare word', 'abc'],
    ['a trailing comma', '{"a":1,}'],
    ['a name given twice', '{"a":1,"a":2}'],
    ['a byte-order mark', '\ufeff{"a":1}'],
    ['a member __proto__', '{"__proto__":{"x":1}}'],
    ['non-ASCII text', '{"text":"héllo 世界 🎉"}'],
  ])('for %s', async (_label, text) => {
    const { plain, parsed } = await both(Buffer.from(text, 'utf8'));
    expect(plain).toEqual(parsed);
  });

  it('for bytes that are not UTF-8, and for a charset said in the media type', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const answers = await both(bad);
    expect(answers.plain).toEqual(answers.parsed);
    for (const type of [
      'application/json; charset=utf-8',
      'application/json; charset="UTF-8"',
      'Application/JSON;Charset=UTF-8',
    ]) {
      const said = await both(Buffer.from('{"a":"é"}'), type);
      expect(said.plain).toEqual(said.parsed);
      expect(said.plain.body).toEqual({ body: { a: 'é' } });
      expect((await send(port, Buffer.from('{}'), 'length', type)).body).toEqual({
        body: {},
        read: 'text',
      });
    }
  });

  it.each([
    'application/json; Charset=latin1',
    'application/json; CHARSET=utf8',
    'application/json; charset=latin1; charset=utf-8',
    'application/json; x="; charset=utf-8"; charset=latin1',
    'application/json; charset=utf-8; charset=latin1',
    'application/vnd.api+json',
    'text/x+json',
  ])('for the media type %s', async (type) => {
    const { plain, parsed } = await both(Buffer.from('{"a":"é"}'), type);
    expect(plain).toEqual(parsed);
  });

  it('for UTF-16 said in any case', async () => {
    const utf16 = Buffer.from('{"a":"é"}', 'utf16le');
    const { plain, parsed } = await both(utf16, 'application/json; Charset=utf-16le');
    expect(plain).toEqual(parsed);
    expect(plain.body).toEqual({ body: { a: 'é' } });
  });

  it('for any text, JSON or nearly', async () => {
    const nearlyJson = fc.oneof(
      fc.json().map((text) => Buffer.from(text, 'utf8')),
      fc.tuple(fc.json(), fc.nat(), fc.string({ maxLength: 3 })).map(([text, at, junk]) => {
        const cut = at % (text.length + 1);
        return Buffer.from(text.slice(0, cut) + junk + text.slice(cut), 'utf8');
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        nearlyJson.filter((bytes) => bytes.length > 0 && bytes.length <= LIMIT),
        async (bytes) => {
          const { plain, parsed } = await both(bytes);
          expect(plain).toEqual(parsed);
        },
      ),
      { numRuns: 150 },
    );
  });
});
