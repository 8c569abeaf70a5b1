import { describe, expect, it } from '@jest/globals';
import type { ArgumentMetadata } from '@nestjs/common';
import { GatewayValidationPipe } from '../../common/http/gateway-validation.pipe.js';
import { ExecuteRequestDto, isPlainValidExecuteBody } from './execute.dto.js';

/** The pipe as the app builds it, without the fast check: class-validator decides alone. */
class FullPipe extends GatewayValidationPipe {
  protected override fastCheck(): undefined {
    return undefined;
  }
}

const options = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
};
const metadata: ArgumentMetadata = { type: 'body', metatype: ExecuteRequestDto, data: undefined };

const bodies: Record<string, unknown>[] = [
  { tool_name: 'demo__echo', args: { message: 'hi' } },
  { tool_name: 'demo__echo' },
  { tool_name: 'x', args: {}, timeout_ms: 1 },
  { tool_name: 'a'.repeat(256), timeout_ms: 600_000 },
  { tool_name: 'demo__echo', args: { constructor: 1, toString: 'x', nested: [1, { a: null }] } },
  { tool_name: '' },
  { tool_name: 'a'.repeat(257) },
  { tool_name: '😀'.repeat(200) },
  { tool_name: 'e\u0301\uFE0F' },
  { tool_name: 7 },
  {},
  { args: {} },
  { tool_name: 'demo__echo', args: null },
  { tool_name: 'demo__echo', args: [] },
  { tool_name: 'demo__echo', args: 'x' },
  { tool_name: 'demo__echo', timeout_ms: 0 },
  { tool_name: 'demo__echo', timeout_ms: 1.5 },
  { tool_name: 'demo__echo', timeout_ms: '100' },
  { tool_name: 'demo__echo', timeout_ms: null },
  { tool_name: 'demo__echo', extra: 1 },
  { tool_name: 'demo__echo', constructor: 'x' },
];

describe('ExecuteRequestDto fast check', () => {
  it.each(bodies)(
    '%j: accepted by the fast check only if class-validator accepts it, and built the same',
    async (body) => {
      const viaFull = await new FullPipe(options)
        .transform(structuredClone(body), metadata)
        .then((dto) => ({ ok: true, dto }))
        .catch((error: unknown) => ({ ok: false, error }));
      const viaApp = await new GatewayValidationPipe(options)
        .transform(structuredClone(body), metadata)
        .then((dto) => ({ ok: true, dto }))
        .catch((error: unknown) => ({ ok: false, error }));
      if (isPlainValidExecuteBody(structuredClone(body))) expect(viaFull.ok).toBe(true);
      expect(viaApp).toEqual(viaFull);
      if (viaApp.ok) expect((viaApp as { dto: unknown }).dto).toBeInstanceOf(ExecuteRequestDto);
    },
  );

  it('takes the common bodies by the fast check', () => {
    expect(isPlainValidExecuteBody({ tool_name: 'demo__echo', args: { message: 'hi' } })).toBe(
      true,
    );
    expect(isPlainValidExecuteBody({ tool_name: 'demo__echo', timeout_ms: 5000 })).toBe(true);
  });
});
