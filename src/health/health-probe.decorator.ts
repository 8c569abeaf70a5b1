import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorDto } from '../common/http/error.dto.js';
import { HealthCheck } from '@nestjs/terminus';

/** One indicator's answer per name: `{ "servers": { "status": "up", ... } }`. */
const INDICATORS = {
  type: 'object',
  nullable: true,
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', example: 'up' } },
    additionalProperties: true,
  },
};

const healthSchema = (status: string[]) => ({
  type: 'object',
  properties: {
    status: { type: 'string', enum: status, example: status[0] },
    info: INDICATORS,
    error: INDICATORS,
    details: INDICATORS,
  },
});

/**
 * terminus's @HealthCheck, with the same OpenAPI answers written here. Its own documentation
 * step loads @nestjs/swagger with a require() that no bundler can follow: in the bundled build
 * that pulled a second copy of swagger and about 440 CommonJS files (rxjs, iterare...) off disk
 * at every start.
 */
export function HealthProbe(): MethodDecorator {
  return applyDecorators(
    // Both options: passing one leaves the other unset, not at its default.
    HealthCheck({ noCache: true, swaggerDocumentation: false }),
    ApiExtraModels(ErrorDto),
    ApiOkResponse({ description: 'The check passed', schema: healthSchema(['ok']) }),
    ApiServiceUnavailableResponse({
      description:
        'The check failed, or the gateway is shutting down: the error body (code NOT_READY), with the checks in details',
      schema: {
        allOf: [
          { $ref: getSchemaPath(ErrorDto) },
          {
            type: 'object',
            properties: { details: healthSchema(['error', 'shutting_down']) },
          },
        ],
      },
    }),
  );
}
