import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '../../common/errors/error-code.js';
import { GatewayError } from '../../common/errors/gateway-error.js';
import { toMcpError } from './downstream-errors.js';

describe('toMcpError', () => {
  it("keeps an upstream error's code and data, with the gateway's code beside them", () => {
    const relayed = new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      "Upstream error (server 'conf'): MCP error -32002: Resource not found: zzz://nothing",
      { mcpCode: -32002, mcpData: { uri: 'zzz://nothing', code: 'theirs' } },
    );
    const answer = toMcpError(relayed);
    expect({ code: answer.code, message: answer.message, data: answer.data }).toEqual({
      code: -32002,
      message: "Upstream error (server 'conf'): Resource not found: zzz://nothing",
      data: { uri: 'zzz://nothing', code: 'UPSTREAM_ERROR' },
    });
  });

  it('gives only the gateway code when the upstream error had no data, or data that is no object', () => {
    for (const mcpData of [undefined, 'text', [1, 2]]) {
      const relayed = new GatewayError(ErrorCode.UPSTREAM_ERROR, 'failed', {
        mcpCode: -32000,
        mcpData,
      });
      expect(toMcpError(relayed).data).toEqual({ code: 'UPSTREAM_ERROR' });
    }
  });
});
