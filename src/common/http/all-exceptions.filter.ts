import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode } from '../errors/error-code.js';
import { httpStatusOf } from '../errors/error-status.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isRedisUnavailable } from '../redis/redis-unavailable.js';
import { errorBody, type ErrorBody } from './error-body.js';
import type { RequestWithId } from './request-id.js';
import { sendErrorBody } from './early-errors.js';
import { unmatchedRouteError } from './unmatched-route.js';

/**
 * body-parser's errors, http-errors with a 4xx status: a `type` for its own checks (size,
 * JSON syntax, charset), none when the body could not be decoded (a bad Content-Encoding).
 */
interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message: string;
  code?: string;
}

function isBodyParserError(e: unknown): e is BodyParserError {
  if (typeof e !== 'object' || e === null) return false;
  const { type, status, expose } = e as BodyParserError;
  if (typeof type === 'string') return true;
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * One place turns every failure into the JSON error body of API.md. GatewayErrors map by
 * code; Nest's HttpExceptions (validation, unknown route) keep their status; anything else
 * is a 500 whose cause is logged with the request id but never shown.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<RequestWithId>();
    // The answer was given already (the shutdown grace cut the request off with a 503), and
    // the handler's own late answer could not be written: not an internal error.
    if (res.headersSent && (exception as { code?: unknown }).code === 'ERR_HTTP_HEADERS_SENT') {
      this.logger.debug(`request ${req.requestId ?? '-'} answered already; late answer dropped`);
      return;
    }
    const unmatched = unmatchedRouteError(exception, req);
    const body = toErrorBody(unmatched ?? exception, req.requestId, this.logger);
    if (res.headersSent) return;
    sendErrorBody(body, req, res);
  }
}

/** Maps any failure to the API.md error body; unknown errors are logged, never shown. */
export function toErrorBody(
  exception: unknown,
  requestId: string | undefined,
  logger: Logger,
): ErrorBody {
  if (exception instanceof GatewayError) {
    return errorBody(httpStatusOf(exception.code), exception.message, {
      code: exception.code,
      details: exception.details,
      requestId,
    });
  }
  if (exception instanceof HttpException) {
    return fromHttpException(exception, requestId);
  }
  if (isBodyParserError(exception)) {
    return fromBodyParser(exception, requestId);
  }
  if (isRedisUnavailable(exception)) {
    logger.warn(`request ${requestId ?? '-'}: Redis unavailable: ${(exception as Error).message}`);
    return errorBody(
      HttpStatus.SERVICE_UNAVAILABLE,
      "The gateway's store (Redis) does not answer; try again shortly",
      { code: ErrorCode.STORE_UNAVAILABLE, requestId },
    );
  }
  logger.error(
    `request ${requestId ?? '-'} failed: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
  );
  return errorBody(
    HttpStatus.INTERNAL_SERVER_ERROR,
    'Internal error; see the gateway log for this request id',
    {
      code: ErrorCode.INTERNAL,
      requestId,
    },
  );
}

function fromHttpException(e: HttpException, requestId?: string): ErrorBody {
  const status = e.getStatus();
  const response = e.getResponse();
  let message = e.message;
  let details: unknown;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const m = response.message;
    if (Array.isArray(m)) {
      // class-validator reports one line per broken constraint.
      message = m.join('; ');
      details = m;
    } else if (typeof m === 'string') {
      message = m;
    }
  }
  const code = status === 400 ? ErrorCode.INVALID_REQUEST : undefined;
  const probe = healthCheckResult(response);
  if (probe) {
    // A failed readiness check: why (draining, still connecting, too few servers) is the point.
    return errorBody(status, notReadyMessage(probe), {
      code: ErrorCode.NOT_READY,
      details: probe,
      requestId,
    });
  }
  return errorBody(status, message, { code, details, requestId });
}

/** Terminus's answer to a failed check: `status`, and which indicator said what. */
function healthCheckResult(response: unknown): Record<string, unknown> | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const r = response as Record<string, unknown>;
  const isProbe = typeof r.status === 'string' && typeof r.details === 'object' && r.details;
  return isProbe
    ? { status: r.status, info: r.info, error: r.error, details: r.details }
    : undefined;
}

function fromBodyParser(e: BodyParserError, requestId?: string): ErrorBody {
  if (e.type === 'entity.too.large') {
    return errorBody(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'Request body is larger than the limit (MAX_BODY_BYTES)',
      {
        code: ErrorCode.PAYLOAD_TOO_LARGE,
        requestId,
      },
    );
  }
  const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 400;
  const message =
    e.type === 'entity.parse.failed'
      ? `Malformed JSON body: ${e.message}`
      : // zlib's words alone ("incorrect header check") do not say what was wrong.
        e.code?.startsWith('Z_')
        ? `Request body does not match its Content-Encoding: ${e.message}`
        : e.message;
  // 415: a charset or encoding the parser does not read, the same code as a wrong media type.
  const code = status === 415 ? ErrorCode.UNSUPPORTED_MEDIA_TYPE : ErrorCode.INVALID_REQUEST;
  return errorBody(status, message, { code, requestId });
}

/** What the servers check says (see ServersHealthIndicator.checkServers). */
interface ServersCheck {
  draining?: unknown;
  initial_connect_done?: unknown;
  min_connected?: unknown;
  servers_connected?: unknown;
  servers_failed?: unknown;
}

/**
 * Why a readiness check failed, in words: "servers failed" while they are still connecting
 * at start would send an operator looking for a fault that is not there.
 */
function notReadyMessage(probe: { error?: unknown }): string {
  const failed = Object.entries((probe.error as Record<string, unknown> | undefined) ?? {});
  const servers = failed.find(([key]) => key === 'servers')?.[1] as ServersCheck | undefined;
  if (!servers) return `Not ready: ${failed.map(([key]) => key).join(', ') || 'a check'} failed`;
  if (servers.draining === true) return 'Not ready: shutting down (draining requests in flight)';
  if (servers.initial_connect_done === false) {
    return "Not ready: the servers file's servers are still connecting";
  }
  return (
    `Not ready: ${String(servers.servers_connected)} server(s) connected, READY_MIN_SERVERS ` +
    `asks for ${String(servers.min_connected)} (${String(servers.servers_failed)} failed; see details)`
  );
}
