import type { ErrorCode } from '../common/errors/error-code.js';
import type { QueueResponse } from './queue-message.js';

/** What the transport makes of one entry's `payload` field. */
export type AcceptedEntry =
  /** Can never be answered (no id): the driver dead-letters it with the reason. */
  | { kind: 'poison'; reason: string }
  /**
   * A request with an id. `answer` runs it (checking its deadline first) and never throws:
   * every failure is an error response.
   */
  | {
      kind: 'request';
      id: string;
      answer(): Promise<QueueResponse>;
      /**
       * The error response for a request the driver gives up on without running it: INTERNAL
       * unless `code` says otherwise (INVALID_REQUEST for an entry that cannot be taken).
       */
      abandon(reason: string, code?: ErrorCode): QueueResponse;
    };

/** The queue transport's side of the port: the protocol and the @MessagePattern handlers. */
export interface QueueHandler {
  accept(payload: string | undefined): AcceptedEntry;
}

export interface QueueStats {
  driver: 'redis' | 'memory';
  /** Delivered to a consumer and not yet answered (in every process, for Redis). */
  pending: number;
  /** Waiting in the stream, not yet delivered to any consumer. */
  waiting: number;
  /** Entries in the dead-letter stream. */
  deadLetters: number;
  /** Running in this process now. */
  running: number;
}

/**
 * Moves request entries to the handler and responses back: Redis Streams in production, an
 * in-process queue without Redis. The driver owns delivery guarantees (acknowledgement,
 * redelivery, idempotency records, dead letters, the concurrency bound); the handler owns the
 * protocol. Swap it by providing another class for this token.
 */
export abstract class QueueDriver {
  /** Starts consuming. Resolves once consuming has begun, without waiting for the broker. */
  abstract start(handler: QueueHandler): Promise<void>;
  /** Stops taking entries and waits (bounded) for the ones running to be answered. */
  abstract stop(): Promise<void>;
  /** For health and metrics. */
  abstract stats(): Promise<QueueStats>;
}
