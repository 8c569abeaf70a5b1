import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from './error.dto.js';

/** Swagger for every route that takes the optional X-Session-ID scope. */
export function ApiScoped() {
  return applyDecorators(
    ApiHeader({
      name: 'X-Session-ID',
      required: false,
      description: 'Scope the call to this session; absent means the global scope',
    }),
    ApiResponse({
      status: 404,
      description: 'Unknown or expired session (SESSION_NOT_FOUND)',
      type: ErrorDto,
    }),
  );
}
