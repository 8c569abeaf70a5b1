import { HttpStatus } from '@nestjs/common';
import { CLIENT_CLOSED } from '../http/request-done.js';
import { ErrorCode } from './error-code.js';

/** Exhaustive on purpose: adding a code without a status fails the type-check. */
export function httpStatusOf(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.INVALID_REQUEST:
    case ErrorCode.INVALID_ARGUMENTS:
    case ErrorCode.INVALID_SERVER_CONFIG:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.UNAUTHENTICATED:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.STDIO_NOT_ALLOWED:
    case ErrorCode.INSUFFICIENT_SCOPE:
    case ErrorCode.TOOL_QUARANTINED:
    case ErrorCode.UPSTREAM_ADDRESS_REFUSED:
    case ErrorCode.FORBIDDEN_ORIGIN:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.RATE_LIMITED:
    case ErrorCode.CONCURRENCY_LIMIT:
    case ErrorCode.SESSION_LIMIT:
    case ErrorCode.SERVER_LIMIT:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.GATEWAY_BUSY:
    case ErrorCode.SERVER_BUSY:
    case ErrorCode.NOT_READY:
    case ErrorCode.STORE_UNAVAILABLE:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.RESULT_TOO_LARGE:
    case ErrorCode.UPSTREAM_UNAVAILABLE:
    case ErrorCode.UPSTREAM_ERROR:
      return HttpStatus.BAD_GATEWAY;
    case ErrorCode.ROUTE_NOT_FOUND:
    case ErrorCode.TOOL_NOT_FOUND:
    case ErrorCode.SERVER_NOT_FOUND:
    case ErrorCode.SESSION_NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.METHOD_NOT_ALLOWED:
      return HttpStatus.METHOD_NOT_ALLOWED;
    case ErrorCode.TOOL_AMBIGUOUS:
    case ErrorCode.SERVER_EXISTS:
      return HttpStatus.CONFLICT;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case ErrorCode.UPSTREAM_TIMEOUT:
      return HttpStatus.GATEWAY_TIMEOUT;
    case ErrorCode.CANCELLED:
      // The caller has gone: no one reads this answer. The access log and the HTTP metrics
      // count such a request as 499 too (nginx's "client closed request").
      return CLIENT_CLOSED as HttpStatus;
    case ErrorCode.INTERNAL:
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}
