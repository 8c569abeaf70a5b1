import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { calculate } from './calculator-tool.js';
import { createDemoServer } from './tools.js';

/** In-process tests of the tool layer; the built binary is covered by demo-server.contract.spec.ts. */
describe('createDemoServer (in memory)', () => {
  let server: McpServer;
  let client: Client;

  beforeAll(async () => {
    server = createDemoServer();
    client = new Client({ name: 'tools-spec', version: '1.0.0' });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  const call = async (name: string, args: Record<string, unknown>): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result: CallToolResult): string =>
    result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

  it('describes itself and its tools', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'demo', version: '0.1.0' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['time', 'calculator', 'echo']);
    for (const tool of tools) {
      expect(tool.title).toBeTruthy();
      expect(tool.description).toBeTruthy();
      expect(tool.annotations?.readOnlyHint).toBe(true);
      expect(tool.outputSchema?.type).toBe('object');
      for (const property of Object.values(tool.inputSchema.properties ?? {})) {
        expect((property as { description?: string }).description).toBeTruthy();
      }
    }
    const calculator = tools.find((t) => t.name === 'calculator');
    expect(calculator?.inputSchema.properties?.operation).toMatchObject({
      enum: ['add', 'subtract', 'multiply', 'divide', 'power', 'modulo'],
    });
    const echo = tools.find((t) => t.name === 'echo');
    expect(echo?.inputSchema.required).toEqual(['message']);
    expect(echo?.inputSchema.properties?.delay_ms).toMatchObject({ minimum: 0, maximum: 600000 });
  });

  describe('time', () => {
    it('returns the current time in UTC by default', async () => {
      const before = Date.now();
      const result = await call('time', {});
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as { iso: string; timezone: string };
      expect(structured.timezone).toBe('UTC');
      expect(Date.parse(structured.iso)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(structured.iso)).toBeLessThanOrEqual(Date.now());
      expect(text(result)).toContain(structured.iso);
    });

    it('honours a time zone', async () => {
      const result = await call('time', { timezone: 'Asia/Tokyo' });
      expect(result.structuredContent).toMatchObject({
        timezone: 'Asia/Tokyo',
        utcOffset: '+09:00',
      });
    });

    it('reports an unknown zone as a tool error', async () => {
      const result = await call('time', { timezone: 'Not/AZone' });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain("Unknown time zone 'Not/AZone'");
    });
  });

  describe('calculator', () => {
    it('evaluates expressions', async () => {
      const result = await call('calculator', { expression: '2 * (3 + 4) / 5 - 2^3' });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({
        expression: '2 * (3 + 4) / 5 - 2^3',
        result: -5.2,
      });
      expect(text(result)).toBe('2 * (3 + 4) / 5 - 2^3 = -5.2');
    });

    it('tidies floating-point noise', async () => {
      const result = await call('calculator', { expression: '0.1 + 0.2' });
      expect(result.structuredContent).toMatchObject({ result: 0.3 });
    });

    it.each<[string, number, number, number]>([
      ['add', 2, 3, 5],
      ['subtract', 2, 3, -1],
      ['multiply', 2, 3, 6],
      ['divide', 3, 2, 1.5],
      ['power', 2, 10, 1024],
      ['modulo', 7, 4, 3],
    ])('applies operation %s', async (operation, a, b, expected) => {
      const result = await call('calculator', { operation, a, b });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ result: expected });
    });

    it.each<[Record<string, unknown>, string]>([
      [{ expression: '1 / 0' }, 'Division by zero'],
      [{ operation: 'divide', a: 1, b: 0 }, 'Division by zero'],
      [{ operation: 'modulo', a: 1, b: 0 }, 'Modulo by zero'],
      [{ expression: '2 +* 3' }, "Invalid expression: Unexpected operator '*'"],
      [{ expression: '9'.repeat(1001) }, 'Expression is too long (1001 characters'],
      [{ expression: '('.repeat(200) + '1' + ')'.repeat(200) }, 'nested too deeply'],
      [{}, 'Nothing to calculate'],
      [{ operation: 'add', a: 1 }, "Operation 'add' needs both numbers"],
      [{ expression: '1', operation: 'add', a: 1, b: 2 }, 'not both'],
      [{ operation: 'sqrt', a: 1, b: 2 }, 'Input validation error'],
      [{ operation: 'add', a: '1', b: 2 }, 'Input validation error'],
    ])('reports %j as a tool error', async (args, message) => {
      const result = await call('calculator', args);
      expect(result.isError).toBe(true);
      expect(text(result)).toContain(message);
    });
  });

  describe('echo', () => {
    it('returns the message', async () => {
      const result = await call('echo', { message: 'héllo 👋' });
      expect(result.isError).toBeFalsy();
      expect(text(result)).toBe('héllo 👋');
      expect(result.structuredContent).toEqual({ message: 'héllo 👋', delay_ms: 0 });
    });

    it('waits delay_ms before answering', async () => {
      const started = Date.now();
      const result = await call('echo', { message: 'later', delay_ms: 150 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(text(result)).toBe('later');
    });

    it.each([-1, 600001, 1.5])('rejects delay_ms %d', async (delay) => {
      const result = await call('echo', { message: 'x', delay_ms: delay });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('Input validation error');
    });

    it('stops waiting when the request is cancelled', async () => {
      const timers = (): number =>
        process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const baseline = timers();
      const controller = new AbortController();
      const pending = client.callTool(
        { name: 'echo', arguments: { message: 'x', delay_ms: 600000 } },
        undefined,
        {
          signal: controller.signal,
        },
      );
      await waitFor(() => timers() > baseline);
      controller.abort(new Error('user cancelled'));
      await expect(pending).rejects.toThrow('user cancelled');
      // The server's 10-minute sleep must be gone, not merely ignored.
      await waitFor(() => timers() <= baseline);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('calculate', () => {
  it('keeps integers exact', () => {
    expect(calculate({ expression: '2^53' }).result).toBe(2 ** 53);
    expect(calculate({ operation: 'multiply', a: 123456789, b: 1000 }).result).toBe(123456789000);
  });

  it('formats operation mode as an expression', () => {
    expect(calculate({ operation: 'power', a: 2, b: -1 })).toEqual({
      expression: '2 ^ -1',
      result: 0.5,
    });
  });
});
