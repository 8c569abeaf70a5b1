import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { StderrTail } from './stderr-tail.js';

async function tailOf(...chunks: string[]): Promise<StderrTail> {
  const stream = new PassThrough();
  const tail = new StderrTail(stream);
  for (const chunk of chunks) stream.write(chunk);
  await new Promise((r) => setImmediate(r));
  return tail;
}

describe('StderrTail', () => {
  it('gives the last lines, joined', async () => {
    const tail = await tailOf('one\n\n  two  \nthree\nfour\n');
    expect(tail.lastLines()).toBe('two | three | four');
  });

  it('leads with the error a usage text printed after it would push out', async () => {
    const tail = await tailOf(
      "Unknown argument '--token=x'\n",
      'usage: demo-server [--http PORT]\n  --http PORT  serve over HTTP\n  -h, --help   show this help\n',
    );
    expect(tail.lastLines()).toBe(
      "Unknown argument '--token=x' | … | usage: demo-server [--http PORT] | --http PORT  serve over HTTP | -h, --help   show this help",
    );
  });

  it('keeps that error even when more than its buffer was written after it', async () => {
    const tail = await tailOf('Error: EADDRINUSE\n', `${'x'.repeat(80)}\n`.repeat(100));
    expect(tail.lastLines()).toMatch(/^Error: EADDRINUSE \| … \| x{80} \| x{80} \| x{80}$/);
  });

  it('does not repeat an error that is among the last lines, and finds one split across chunks', async () => {
    expect((await tailOf('starting\nfatal: no config\n')).lastLines()).toBe(
      'starting | fatal: no config',
    );
    const split = await tailOf('Err', 'or: bad\n', 'a\nb\nc\n');
    expect(split.lastLines()).toBe('Error: bad | … | a | b | c');
  });

  it('says nothing when the server said nothing', async () => {
    expect((await tailOf()).lastLines()).toBe('');
  });

  it('is not misled by ordinary words, nor by the usage words after a weak complaint', async () => {
    const usage =
      'usage: server [options]\nEach option may also be set in the environment\n  --name   required\n  -h help\n  -v version\n';
    expect((await tailOf('Error: unknown flag --tokn\n', usage)).lastLines()).toBe(
      'Error: unknown flag --tokn | … | --name   required | -h help | -v version',
    );
    expect((await tailOf("Unknown argument '--x'\n", usage, 'missing nothing\n')).lastLines()).toBe(
      "Unknown argument '--x' | … | -h help | -v version | missing nothing",
    );
  });

  it('forgets an error line hundreds of lines old: a later crash is its own', async () => {
    const tail = await tailOf(
      'Error: a warm-up hiccup\n',
      'served a request\n'.repeat(300),
      'bye\n',
    );
    expect(tail.lastLines()).toBe('served a request | served a request | bye');
  });
});
