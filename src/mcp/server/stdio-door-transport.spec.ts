import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { StdioDoorTransport } from './stdio-door-transport.js';

async function started() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const transport = new StdioDoorTransport(stdin, stdout);
  const received: JSONRPCMessage[] = [];
  transport.onmessage = (message) => received.push(message);
  await transport.start();
  let written = '';
  stdout.on('data', (d: Buffer) => (written += d.toString()));
  const answers = () =>
    written
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  return { stdin, transport, received, answers };
}

describe('StdioDoorTransport', () => {
  it('frames as the SDK does: a line split across chunks, and CRLF endings', async () => {
    const { stdin, received } = await started();
    stdin.write('{"jsonrpc":"2.0","id":1,');
    stdin.write('"method":"ping"}\r\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    await new Promise((r) => setImmediate(r));
    expect(received).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ]);
  });

  it('runs a batch message by message; one that is no message refuses the batch, as /mcp does', async () => {
    const { stdin, received, answers } = await started();
    stdin.write(
      '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]\n',
    );
    stdin.write('[{"jsonrpc":"2.0","id":3,"method":"ping"},{"jsonrpc":"2.0","id":null}]\n');
    await new Promise((r) => setImmediate(r));
    expect(received.map((m) => (m as { id: number }).id)).toEqual([1, 2]);
    expect(answers()).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: expect.stringContaining('Invalid Request: message 2 of the batch: id must be'),
        },
      },
    ]);
  });

  it('refuses what the HTTP doors refuse: a member named __proto__, nesting past the limit', async () => {
    const { stdin, received, answers } = await started();
    stdin.write(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"__proto__":{"x":1}}}}\n',
    );
    stdin.write(
      `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"a":${'['.repeat(80)}${']'.repeat(80)}}}\n`,
    );
    await new Promise((r) => setImmediate(r));
    expect(received).toEqual([]);
    expect(answers()).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: expect.stringContaining('"__proto__"') },
      },
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: expect.stringContaining('nested deeper than 64') },
      },
    ]);
  });

  it('ends the connection on a line past the SDK buffer limit, as the SDK does', async () => {
    const { stdin, transport } = await started();
    const closed = new Promise<void>((done) => (transport.onclose = done));
    stdin.write(Buffer.alloc(11 * 1024 * 1024, 'x'));
    await closed;
  });
});
