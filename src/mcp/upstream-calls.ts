import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { requestContext } from '../common/logging/request-context.js';
import { protocolError } from './protocol-error.js';
import type { CallerChannel } from './upstream-client.js';

/** The caller of a REST or queue call: nobody to ask, and a client of its own. */
function cannotAnswer(): CallerChannel {
  const channel: CallerChannel = {
    client: {},
    request: (method) =>
      Promise.reject(
        protocolError(
          McpErrorCode.InvalidRequest,
          `${method} needs the calling client to answer it, and none can: the tool was called over REST or the queue. Call it over the MCP door (/mcp, --stdio) from a client that supports ${method}`,
        ),
      ),
    notify: () => Promise.resolve(),
  };
  channel.client = channel;
  return channel;
}

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
 * the most recent call in flight only when every call in flight is one client's: with
 * calls of several clients on one connection (the global scope, a shared server), guessing
 * could show one tenant's prompt to another, so nobody is asked and the server gets an error.
 */
export class UpstreamCalls {
  private readonly active: CallerChannel[] = [];

  track<T>(caller: CallerChannel | undefined, run: () => Promise<T>): Promise<T> {
    // A call from a door that cannot answer (REST, queue) counts too: it is someone else.
    caller ??= cannotAnswer();
    this.active.push(caller);
    // The request's own context store, plus the call: one store for every connection (a call
    // runs on one connection, and each connection checks that the caller is one of its own).
    const context = { ...requestContext.getStore(), upstreamCaller: caller };
    return requestContext.run(context, run).finally(() => {
      const index = this.active.lastIndexOf(caller);
      if (index >= 0) this.active.splice(index, 1);
    });
  }

  /** The caller to relay to; undefined when no call is in flight, or it cannot be told which. */
  current(): CallerChannel | undefined {
    const own = requestContext.getStore()?.upstreamCaller;
    // A stream opened during a call that has ended since (a resumed GET stream) has no owner.
    if (own && this.active.includes(own)) return own;
    const latest = this.active.at(-1);
    return latest && this.active.every((c) => c.client === latest.client) ? latest : undefined;
  }

  /** Calls in flight, for telling "no call" from "calls of several clients". */
  get inFlight(): number {
    return this.active.length;
  }
}
