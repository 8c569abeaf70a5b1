import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from '../common/http/error.dto.js';

/** What a tool call can answer besides 200, on every route that runs one (execute, /tool). */
export const ApiToolCallErrors = () =>
  applyDecorators(
    ApiResponse({
      status: 400,
      description:
        "Arguments break the tool's input schema (INVALID_ARGUMENTS), or an invalid body (INVALID_REQUEST)",
      type: ErrorDto,
    }),
    ApiResponse({
      status: 403,
      description: 'The tool is quarantined since its definition changed (TOOL_QUARANTINED)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 404,
      description:
        'Unknown tool (TOOL_NOT_FOUND), or unknown or expired session (SESSION_NOT_FOUND)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 409,
      description: 'Bare name offered by several servers (TOOL_AMBIGUOUS)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 429,
      description: 'Too many calls in flight for this API key (CONCURRENCY_LIMIT)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 502,
      description:
        'Upstream down (UPSTREAM_UNAVAILABLE), failing (UPSTREAM_ERROR) or its result over MAX_TOOL_RESULT_BYTES (RESULT_TOO_LARGE)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 503,
      description:
        "MAX_CONCURRENT_CALLS tool calls in flight (GATEWAY_BUSY), or MAX_CONCURRENT_CALLS_PER_SERVER to the tool's server (SERVER_BUSY)",
      type: ErrorDto,
    }),
    ApiResponse({
      status: 504,
      description: 'Timed out (UPSTREAM_TIMEOUT); a cancellation was sent',
      type: ErrorDto,
    }),
  );
