import { Logger } from '@nestjs/common';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isNotification } from '../json-rpc-shape.js';

const logger = new Logger('McpDoor');

export interface OutboundLimits {
  /** Past this many bytes waiting for the client, notifications to it are dropped. */
  dropNotificationsPastBytes: number;
  /**
   * Past this many, not even an answer or a request is queued: the client's stream is closed.
   * Checked before a write, so one answer of any size still goes to a client that keeps up.
   */
  closePastBytes: number;
}

/**
 * 1 MiB holds a thousand ordinary log lines; 16 MiB is far more than a client that reads has
 * waiting (the kernel's socket buffer takes the first few MiB before anything counts here).
 */
export const DEFAULT_OUTBOUND_LIMITS: OutboundLimits = {
  dropNotificationsPastBytes: 1024 * 1024,
  closePastBytes: 16 * 1024 * 1024,
};

/** What to do with one message for a client: write it, drop it, or give up on the client. */
export type OutboundVerdict = 'write' | 'drop' | 'close';

/**
 * How much one client's stream (a response, stdout) may hold that the client has not taken.
 * Without a bound, a client that stops reading while a chatty server logs without pause
 * makes the gateway keep every message for it, until memory runs out. Notifications are
 * fire-and-forget (JSON-RPC: nobody waits for them), so they are dropped, counted, and said
 * once in the log. Answers and the servers' requests are waited for: dropping one would hang
 * a call with no sign, so a client that far behind loses its stream instead, which it sees.
 */
export class OutboundBudget {
  private droppedCount = 0;

  constructor(
    /** Names the stream in the log: "MCP session abc GET stream". */
    private readonly stream: string,
    private readonly limits: OutboundLimits = DEFAULT_OUTBOUND_LIMITS,
  ) {}

  get dropped(): number {
    return this.droppedCount;
  }

  verdict(message: JSONRPCMessage, waitingBytes: number): OutboundVerdict {
    if (!isNotification(message))
      return waitingBytes > this.limits.closePastBytes ? 'close' : 'write';
    if (waitingBytes <= this.limits.dropNotificationsPastBytes) return 'write';
    if (this.droppedCount++ === 0) {
      logger.warn(
        `${this.stream}: the client is not reading (${waitingBytes} bytes wait for it); notifications to it are dropped until it catches up`,
      );
    }
    return 'drop';
  }

  /** Whether a keep-alive comment is worth writing: not to a client that is not reading. */
  idle(waitingBytes: number): boolean {
    return waitingBytes <= this.limits.dropNotificationsPastBytes;
  }

  /** Said once the stream ends, when it dropped anything. */
  report(): void {
    if (this.droppedCount === 0) return;
    logger.warn(`${this.stream} ended; ${this.droppedCount} notifications to it were dropped`);
  }

  /** Said when the stream is closed for an answer it could not take. */
  reportClosed(message: JSONRPCMessage, waitingBytes: number): void {
    const what = 'method' in message ? `request ${message.method}` : 'an answer';
    logger.warn(
      `${this.stream}: the client is not reading (${waitingBytes} bytes wait for it) and ${what} must reach it: its stream is closed`,
    );
  }
}

/** Where a transport writes: a response, stdout. */
interface Outlet {
  readonly writableLength: number;
}

/**
 * Bounds what an SDK transport that writes without looking (the legacy SSE one, stdio)
 * queues on `outlet`, by checking each message before the transport's own send. `close`
 * ends the client's stream when an answer cannot be queued.
 */
export function limitOutbound(
  transport: Transport,
  outlet: Outlet,
  budget: OutboundBudget,
  close: () => void,
): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const waiting = outlet.writableLength;
    const verdict = budget.verdict(message, waiting);
    if (verdict === 'write') return send(message, options);
    if (verdict === 'drop') return Promise.resolve();
    budget.reportClosed(message, waiting);
    close();
    return Promise.reject(new Error('the client is not reading: its stream was closed'));
  };
}
