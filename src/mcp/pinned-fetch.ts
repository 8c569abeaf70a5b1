import type { LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';

type LookupCallback = (
  error: Error | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A fetch that connects only to the addresses the SSRF guard approved, whatever DNS says
 * now (no rebinding between check and connect), and never follows a redirect to somewhere
 * that was not checked. TLS still verifies the URL's host name.
 */
export function pinnedFetch(addresses: { address: string; family: 4 | 6 }[]): typeof fetch {
  const lookup = (_host: string, options: { all?: boolean }, callback: LookupCallback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  const dispatcher = new Agent({ connect: { lookup } });
  return (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher, redirect: 'manual' } as never);
}
