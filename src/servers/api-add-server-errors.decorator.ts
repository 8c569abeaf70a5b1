import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from '../common/http/error.dto.js';

/** What adding servers can answer besides 201, on both routes (/mcp/servers/add, /add-server). */
export const ApiAddServerErrors = () =>
  applyDecorators(
    ApiResponse({
      status: 400,
      description: 'Invalid config (INVALID_SERVER_CONFIG), or an invalid body (INVALID_REQUEST)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 403,
      description:
        'stdio command not allowlisted (STDIO_NOT_ALLOWED), or a URL to a refused address (UPSTREAM_ADDRESS_REFUSED)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 409,
      description: 'A server of that name exists in scope (SERVER_EXISTS)',
      type: ErrorDto,
    }),
    ApiResponse({
      status: 429,
      description: 'The session would hold more than SESSION_MAX_SERVERS servers (SERVER_LIMIT)',
      type: ErrorDto,
    }),
  );
