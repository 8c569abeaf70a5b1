import type { LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';

type LookupCallback = (
  error: Error | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export type PinnedAddress = { address: string; family: 4 | 6 };

/**
 * A connection pool that connects only to the addresses the SSRF guard approved, whatever
 * DNS says now (no rebinding between check and connect). TLS still verifies the URL's host name.
 */
export function pinnedAgent(addresses: PinnedAddress[]): Agent {
  const lookup = (_host: string, options: { all?: boolean }, callback: LookupCallback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  return new Agent({ connect: { lookup } });
}

/** fetch over a pinned pool that never follows a redirect to somewhere that was not checked. */
export function pinnedFetch(dispatcher: Agent): typeof fetch {
  return (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher, redirect: 'manual' } as never);
}
