import { describe, expect, it } from '@jest/globals';
import { GatewayError } from '../common/errors/gateway-error.js';
import {
  HostNotResolved,
  resolveAllowedUpstream,
  type HostLookup,
} from './upstream-address-policy.js';

// A fake resolver: no DNS query and no packet leave the test.
const dns: Record<string, string[]> = {
  'public.example': ['93.184.215.14'],
  'metadata.example': ['169.254.169.254'],
  'mixed.example': ['93.184.215.14', '10.0.0.5'],
  'internal.example': ['10.1.2.3'],
  'v6.example': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
};
const lookup: HostLookup = (host) =>
  Promise.resolve(
    (dns[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  );

async function refusal(url: string, allowPrivate = false): Promise<string> {
  try {
    await resolveAllowedUpstream(url, { allowPrivate, lookup });
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return (e as GatewayError).code;
  }
  return 'allowed';
}

describe('resolveAllowedUpstream (SSRF guard)', () => {
  it('allows public addresses and returns the one to pin', async () => {
    await expect(
      resolveAllowedUpstream('https://public.example/mcp', { allowPrivate: false, lookup }),
    ).resolves.toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(await refusal('https://v6.example/mcp')).toBe('allowed');
    // A public IPv4 address reached through NAT64 (an IPv6-only network with DNS64).
    expect(await refusal('http://[64:ff9b::5db8:d70e]/mcp')).toBe('allowed');
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data'],
    ['http://metadata.example/'],
    ['http://[::ffff:169.254.169.254]/'],
    ['http://[fe80::1]/'],
    ['http://0.0.0.0:8000/'],
    ['http://[fd00:ec2::254]/'],
    ['http://100.100.100.200/'],
    // IPv4 carried in IPv6: NAT64, 6to4, IPv4-compatible; and Teredo, documentation, multicast.
    ['http://[64:ff9b::a9fe:a9fe]/'],
    ['http://[2002:a9fe:a9fe::]/'],
    ['http://[::a9fe:a9fe]/'],
    ['http://[64:ff9b::6464:64c8]/'],
    ['http://[2001::1]/'],
    ['http://[2001:db8::1]/'],
    ['http://[ff02::1]/'],
    ['http://192.0.2.1/'],
  ])('always refuses link-local, metadata, unspecified and odd ranges: %s', async (url) => {
    expect(await refusal(url, true)).toBe('UPSTREAM_ADDRESS_REFUSED');
  });

  it.each([
    ['http://127.0.0.1:3001/mcp'],
    ['http://0x7f000001/mcp'],
    ['http://2130706433/mcp'],
    ['http://127.1/mcp'],
    ['http://[::1]/mcp'],
    ['http://[::ffff:127.0.0.1]/mcp'],
    ['http://10.0.0.1/'],
    ['http://192.168.1.1/'],
    ['http://172.16.0.1/'],
    ['http://[fc00::1]/'],
    ['http://[fec0::1]/'],
    ['http://[64:ff9b::a00:1]/'],
    ['http://internal.example/'],
  ])('refuses private and loopback unless allowed: %s', async (url) => {
    expect(await refusal(url)).toBe('UPSTREAM_ADDRESS_REFUSED');
    expect(await refusal(url, true)).toBe('allowed');
  });

  it('refuses a name if any of its addresses is refused', async () => {
    expect(await refusal('http://mixed.example/')).toBe('UPSTREAM_ADDRESS_REFUSED');
  });

  it('names the range but never the address a name resolved to', async () => {
    const message = await resolveAllowedUpstream('http://internal.example/', {
      allowPrivate: false,
      lookup,
    }).catch((e: GatewayError) => e.message);
    expect(message).toContain("'internal.example' resolves to an address in the private range");
    expect(message).not.toContain('10.1.2.3');
  });

  it('reports a name that does not resolve as that server being unreachable, not a bad request', async () => {
    const error = await resolveAllowedUpstream('http://nowhere.example/', {
      allowPrivate: false,
      lookup,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostNotResolved);
    expect((error as GatewayError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((error as GatewayError).message).toContain("Cannot resolve 'nowhere.example'");
  });
});
