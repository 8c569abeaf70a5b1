import { describe, expect, it } from '@jest/globals';
import { HostOriginPolicy } from './host-origin-policy.js';

describe('HostOriginPolicy', () => {
  it('on loopback, lets only loopback hosts and origins through', () => {
    const policy = new HostOriginPolicy('localhost');
    expect(policy.reject('localhost:8000', undefined)).toBeUndefined();
    expect(policy.reject('127.0.0.1:8000', 'http://localhost:3000')).toBeUndefined();
    expect(policy.reject('[::1]:8000', 'http://[::1]:8000')).toBeUndefined();
    expect(policy.reject('evil.example:8000', 'http://evil.example:8000')).toMatch(/Host/);
    expect(policy.reject('localhost:8000', 'http://evil.example')).toMatch(/Origin/);
    expect(policy.reject(undefined, undefined)).toMatch(/Host/);
  });

  it('lets any IP address through as Host (rebinding needs a name; probes use the pod IP)', () => {
    const policy = new HostOriginPolicy('0.0.0.0', ['gateway.example.com']);
    expect(policy.reject('10.1.2.3:8000', undefined)).toBeUndefined();
    expect(policy.reject('[fd00::5]:8000', undefined)).toBeUndefined();
    // The Origin is still checked: a page served from another address is refused.
    expect(policy.reject('10.1.2.3:8000', 'http://10.9.9.9')).toMatch(/Origin/);
  });

  it('refuses origins that are not http(s) URLs, such as "null"', () => {
    const policy = new HostOriginPolicy('127.0.0.1');
    expect(policy.reject('127.0.0.1:8000', 'null')).toMatch(/Origin/);
    expect(policy.reject('127.0.0.1:8000', 'file:///etc/passwd')).toMatch(/Origin/);
  });

  it('on a named interface, accepts that name as well', () => {
    const policy = new HostOriginPolicy('gateway.internal');
    expect(policy.reject('gateway.internal:8000', 'https://gateway.internal')).toBeUndefined();
    expect(policy.reject('other.internal:8000', undefined)).toMatch(/Host/);
  });

  it('on a wildcard address, requires only that an Origin matches the Host', () => {
    const policy = new HostOriginPolicy('0.0.0.0');
    expect(policy.reject('mcp.example.com', undefined)).toBeUndefined();
    expect(policy.reject('mcp.example.com', 'https://mcp.example.com')).toBeUndefined();
    expect(policy.reject('mcp.example.com', 'https://evil.example')).toMatch(/Origin/);
  });
});

describe('HostOriginPolicy with GATEWAY_ALLOWED_HOSTS', () => {
  it('on a wildcard address admits only the named hosts and loopback, stopping DNS rebinding', () => {
    const policy = new HostOriginPolicy('0.0.0.0', ['gateway.example.com']);
    expect(policy.reject('gateway.example.com', 'https://gateway.example.com')).toBeUndefined();
    expect(policy.reject('localhost:8000', undefined)).toBeUndefined();
    // A rebinding page sends its own name as both Host and Origin: no longer enough.
    expect(policy.reject('evil.example', 'http://evil.example')).toContain('not allowed');
  });
});
