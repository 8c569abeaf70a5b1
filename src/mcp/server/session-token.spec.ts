import { describe, expect, it } from '@jest/globals';
import { handshakeOf, mintSessionId, ownerTag, readSessionId } from './session-token.js';

const handshake = {
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, elicitation: { form: {} } },
  clientInfo: { name: 'client', version: '1.0.0' },
};

describe('self-describing MCP session ids', () => {
  it('carry the client handshake, the opening key and the time, so another replica can restore it', () => {
    const id = mintSessionId(handshake, 'key_0123456789ab', 1_000);
    expect(readSessionId(id)).toEqual({
      handshake,
      owner: ownerTag('key_0123456789ab'),
      issuedAt: 1_000,
    });
    // The id names no key; without keys there is no owner.
    expect(id).not.toContain('key_0123456789ab');
    expect(Buffer.from(id.split('.')[1], 'base64url').toString()).not.toContain('key_');
    expect(readSessionId(mintSessionId(handshake, undefined, 5))).toEqual({
      handshake,
      owner: undefined,
      issuedAt: 5,
    });
  });

  it('do not read ids minted before they carried an owner and a time', () => {
    const old = `x.${Buffer.from(JSON.stringify(handshake)).toString('base64url')}`;
    expect(readSessionId(old)).toBeUndefined();
  });

  it('are unique, and visible ASCII as the transport spec requires', () => {
    const a = mintSessionId(handshake, 'key_a');
    const b = mintSessionId(handshake, 'key_a');
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
