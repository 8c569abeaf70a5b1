import { ErrorCode } from './error-code.js';

/**
 * The only error services throw. Doors translate it: REST maps the code to an HTTP status
 * (error-status.ts), the MCP door turns it into an `isError` result, the queue into an error
 * response. `message` must already be safe to show: no secret values.
 */
export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}
