import type { CallerChannel } from './upstream-client.js';

/**
 * The tool calls in flight on one upstream connection, so that what the server sends
 * during a call (sampling, elicitation, log messages) reaches the client that made it.
 *
 * MCP does not say which call a server-to-client request belongs to (over stdio nothing
 * can), so with several calls in flight the most recent one that can answer is chosen.
 * With one caller per connection, the usual case, routing is exact.
 */
export class UpstreamCalls {
  private readonly active: CallerChannel[] = [];

  track<T>(caller: CallerChannel | undefined, run: () => Promise<T>): Promise<T> {
    if (!caller) return run();
    this.active.push(caller);
    return run().finally(() => {
      const index = this.active.lastIndexOf(caller);
      if (index >= 0) this.active.splice(index, 1);
    });
  }

  /** The caller to relay to, or undefined when no call is in flight. */
  current(): CallerChannel | undefined {
    return this.active.at(-1);
  }
}
