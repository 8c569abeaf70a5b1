import { Logger } from '@nestjs/common';
import { ErrorCode } from '../common/errors/error-code.js';
import { errorMessage } from '../common/errors/error-message.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import type { QueueError, QueueResponse } from './queue-message.js';

const logger = new Logger('Queue');

export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}

export function okResponse(id: string, result: unknown, startedAt: number): QueueResponse {
  return { id, ok: true, result, took_ms: elapsedMs(startedAt) };
}

export function errorResponse(id: string, error: unknown, startedAt: number): QueueResponse {
  return { id, ok: false, error: queueError(id, error), took_ms: elapsedMs(startedAt) };
}

/**
 * The same codes as the REST door. Anything that is not a GatewayError is a bug or an
 * unexpected failure: its text may hold internals, so the caller gets a generic message and
 * the log gets the cause.
 */
function queueError(id: string, error: unknown): QueueError {
  if (error instanceof GatewayError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details !== undefined ? { details: error.details } : {}),
    };
  }
  logger.error(`request ${id} failed unexpectedly: ${errorMessage(error)}`);
  return { code: ErrorCode.INTERNAL, message: 'Internal error' };
}
