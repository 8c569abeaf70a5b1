import { describe, expect, it } from '@jest/globals';
import { handshakeOf, mintSessionId, readSessionId } from './session-token.js';

const handshake = {
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, elicitation: { form: {} } },
  clientInfo: { name: 'client', version: '1.0.0' },
};

describe('self-describing MCP session ids', () => {
  it('carry the client handshake, so another replica can restore the session', () => {
    const id = mintSessionId(handshake);
    expect(readSessionId(id)).toEqual(handshake);
  });

  it('are unique, and visible ASCII as the transport spec requires', () => {
    const a = mintSessionId(handshake);
    const b = mintSessionId(handshake);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[\x21-\x7E]+$/);
  });

  it('read nothing from ids the gateway did not mint', () => {
    expect(readSessionId('a3f1c2e4-uuid-like')).toBeUndefined();
    expect(readSessionId('x.not-base64-json')).toBeUndefined();
    expect(
      readSessionId(`x.${Buffer.from('{"protocolVersion":1}').toString('base64url')}`),
    ).toBeUndefined();
    expect(readSessionId(`x.${'a'.repeat(5000)}`)).toBeUndefined();
  });

  it('takes the handshake from an initialize request only', () => {
    expect(handshakeOf({ jsonrpc: '2.0', id: 1, method: 'initialize', params: handshake })).toEqual(
      handshake,
    );
    expect(handshakeOf({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBeUndefined();
    expect(handshakeOf([{ method: 'initialize' }])).toBeUndefined();
  });
});
