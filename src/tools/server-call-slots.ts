import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import type { ServerConnection } from '../servers/server-connection.js';

/**
 * Bounds the tool calls in flight to each server connection. Without it, a server that hangs
 * (or slows down under a burst) keeps every call sent to it until its timeout, and soon holds
 * all MAX_CONCURRENT_CALLS slots: calls to healthy servers then get GATEWAY_BUSY too. Past
 * MAX_CONCURRENT_CALLS_PER_SERVER a call to that server is refused at once (503 SERVER_BUSY),
 * and the others go on. Per connection: a session's own servers are counted apart from the
 * shared ones.
 */
@Injectable()
export class ServerCallSlots {
  private readonly inFlight = new WeakMap<ServerConnection, number>();
  private readonly max: number;

  constructor(config: GatewayConfig) {
    this.max = config.security.maxConcurrentCallsPerServer;
  }

  /** Takes a slot on the server; call the returned function exactly once when done. */
  acquire(server: ServerConnection): () => void {
    const busy = this.inFlight.get(server) ?? 0;
    if (busy >= this.max) {
      throw new GatewayError(
        ErrorCode.SERVER_BUSY,
        `Server '${server.name}' already has ${busy} tool calls in flight (MAX_CONCURRENT_CALLS_PER_SERVER); retry when one finishes`,
        { retry_after_s: 1, server: server.name },
      );
    }
    this.inFlight.set(server, busy + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.set(server, (this.inFlight.get(server) ?? 1) - 1);
    };
  }
}
