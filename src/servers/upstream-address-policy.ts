import { lookup as dnsLookup } from 'node:dns/promises';
import { Logger } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';

const logger = new Logger('UpstreamAddressPolicy');

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostLookup = (host: string) => Promise<ResolvedAddress[]>;

const systemLookup: HostLookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family as 4 | 6,
  }));

const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254']);
// Refused unless private upstreams are allowed.
const PRIVATE = new Set([
  'private',
  'loopback',
  'uniqueLocal',
  'carrierGradeNat',
  'deprecatedSiteLocal',
]);
// Everything else but plain `unicast` is never reachable from the API, whatever the settings:
// link-local and metadata, multicast, reserved, documentation, Teredo and other tunnels.

/**
 * The range an address falls in. An IPv6 address that carries an IPv4 one (`::ffff:a.b.c.d`,
 * NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, the old IPv4-compatible `::a.b.c.d`) is judged by
 * the IPv4 it reaches.
 */
export function classify(address: string): { range: string; normalized: string } {
  const parsed = ipaddr.process(address);
  const normalized = parsed.toString();
  const inner = parsed.kind() === 'ipv6' ? embeddedIpv4(parsed as ipaddr.IPv6) : undefined;
  const judged = inner ?? parsed;
  if (METADATA_ADDRESSES.has(normalized) || METADATA_ADDRESSES.has(judged.toString())) {
    return { range: 'metadata', normalized };
  }
  return { range: judged.range(), normalized };
}

function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  const fromParts = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const range = address.range();
  if (range === 'rfc6052') return fromParts(p[6], p[7]);
  if (range === '6to4') return fromParts(p[1], p[2]);
  // ::a.b.c.d (not :: or ::1, which are their own ranges)
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7] > 1)) return fromParts(p[6], p[7]);
  return undefined;
}

/**
 * A host DNS does not resolve (now): the server cannot be reached, like one that refuses the
 * connection, so it is reported as that server's failure, not as a bad request.
 */
export class HostNotResolved extends GatewayError {
  constructor(host: string, reason: string) {
    super(ErrorCode.UPSTREAM_UNAVAILABLE, `Cannot resolve '${host}': ${reason}`);
  }
}

/**
 * SSRF guard for a URL server added over the API: resolves the host once, refuses if ANY of
 * its addresses is link-local/metadata (always) or private/loopback (unless allowed), and
 * returns the addresses to pin the connection to, so a second DNS answer cannot differ.
 * Numeric tricks (`0x7f000001`, `[::ffff:169.254.169.254]`) are normalised by the URL parser
 * and ipaddr before the check. Nothing is sent to the host.
 */
export async function resolveAllowedUpstream(
  rawUrl: string,
  options: { allowPrivate: boolean; lookup?: HostLookup },
): Promise<ResolvedAddress[]> {
  const host = hostOf(rawUrl);
  const addresses: ResolvedAddress[] = ipaddr.isValid(host)
    ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
    : await (options.lookup ?? systemLookup)(host).catch((error: unknown) => {
        throw new HostNotResolved(host, (error as Error).message);
      });
  if (addresses.length === 0) throw new HostNotResolved(host, 'no address');
  for (const { address } of addresses) assertAddressAllowed(host, address, options.allowPrivate);
  return addresses.map(({ address }) => {
    const mapped = ipaddr.process(address);
    return { address: mapped.toString(), family: mapped.kind() === 'ipv6' ? 6 : 4 };
  });
}

/**
 * The same check for addresses resolved earlier, such as the pinned ones of a session record
 * read back from Redis: throws unless there is at least one and every one may be reached.
 */
export function assertPinnedAllowed(
  rawUrl: string,
  pinned: readonly ResolvedAddress[] | undefined,
  allowPrivate: boolean,
): void {
  const host = hostOf(rawUrl);
  if (!pinned?.length) {
    throw new GatewayError(
      ErrorCode.UPSTREAM_ADDRESS_REFUSED,
      `Server URL host '${host}' has no checked address`,
    );
  }
  for (const { address } of pinned) assertAddressAllowed(host, address, allowPrivate);
}

function hostOf(rawUrl: string): string {
  return new URL(rawUrl).hostname.replace(/^\[|\]$/g, '');
}

/** Throws UPSTREAM_ADDRESS_REFUSED unless `address` (one of `host`'s) may be reached. */
function assertAddressAllowed(host: string, address: string, allowPrivate: boolean): void {
  const { range, normalized } = classify(address);
  if (range !== 'unicast' && !PRIVATE.has(range)) {
    throw refused(host, normalized, range, 'is never allowed');
  }
  if (PRIVATE.has(range) && !allowPrivate) {
    throw refused(
      host,
      normalized,
      range,
      'is refused unless GATEWAY_ALLOW_PRIVATE_UPSTREAMS=true',
    );
  }
}

/**
 * The answer names the range, not the address a name resolved to: a caller probing which
 * internal names exist must not get the private network's DNS answers. The log keeps the
 * address, for the operator.
 */
function refused(host: string, address: string, range: string, why: string): GatewayError {
  const literal = ipaddr.isValid(host);
  if (!literal)
    logger.warn(`refused server URL host '${host}': it resolves to ${address} (${range})`);
  return new GatewayError(
    ErrorCode.UPSTREAM_ADDRESS_REFUSED,
    literal
      ? `Server URL host '${host}' is in the ${range} range, which ${why} for servers added over the API`
      : `Server URL host '${host}' resolves to an address in the ${range} range, which ${why} for servers added over the API`,
  );
}
