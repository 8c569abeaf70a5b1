import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallerChannel } from './upstream-client.js';

/**
 * One store for every connection: a call runs on one connection, and each connection checks
 * that the caller is one of its own. (On Node 20 each AsyncLocalStorage in use adds work to
 * every promise the process creates, so not one per connection.)
 */
const callerContext = new AsyncLocalStorage<CallerChannel>();

/**
 * The tool calls in flight on one upstream connection, so that what the server sends
 * during a call (sampling, elicitation, log messages) reaches the client that made it.
 *
 * MCP says which call a server-to-client message belongs to only through the stream it
 * arrives on: over streamable HTTP, the server sends it on the answer stream of that call's
 * POST. Each call runs in its own async context, and the transport reads a POST's answer
 * stream as a continuation of sending that POST, so a message from that stream is handled in
 * the context of the call that opened it: routing is exact, whatever else is in flight.
 * A message with no such context (stdio, the legacy SSE transport, the GET stream) goes to
 * the most recent call that is still in flight; with one caller per connection, the usual
 * case, that is exact too.
 */
export class UpstreamCalls {
  private readonly active: CallerChannel[] = [];

  track<T>(caller: CallerChannel | undefined, run: () => Promise<T>): Promise<T> {
    if (!caller) return run();
    this.active.push(caller);
    return callerContext.run(caller, run).finally(() => {
      const index = this.active.lastIndexOf(caller);
      if (index >= 0) this.active.splice(index, 1);
    });
  }

  /** The caller to relay to, or undefined when no call is in flight. */
  current(): CallerChannel | undefined {
    const own = callerContext.getStore();
    // A stream opened during a call that has ended since (a resumed GET stream) has no owner.
    if (own && this.active.includes(own)) return own;
    return this.active.at(-1);
  }
}
