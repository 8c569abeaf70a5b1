import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { notRateLimitedOperations, publicOperations } from './auth/public-operations.js';
import { ErrorDto } from './common/http/error.dto.js';
import { withBodyAlternatives } from './common/http/body-alternatives.js';
import { KEY_SCHEMES, withGatewayErrors } from './common/http/openapi-errors.js';

/** Answers that come before routing, so they belong to no operation of the document. */
const UNROUTED_DESCRIPTION =
  'Before any route: a path that no route serves is a 404 `ROUTE_NOT_FOUND`, and a path served ' +
  'with another method a 405 `METHOD_NOT_ALLOWED` whose `Allow` header (and `details.allowed`) ' +
  'lists the methods it takes; request headers over 16 KB are a 431, and a request without a ' +
  'Host header, or with two, a 400 `INVALID_REQUEST`. All of them carry the same error body.';

const QUEUE_DESCRIPTION =
  '**Queue door.** With Redis configured, requests can also be put on the Redis stream ' +
  '`mcp_requests` (QUEUE_REQUEST_STREAM) and are answered on `mcp_responses` ' +
  '(QUEUE_RESPONSE_STREAM). A request is an entry with one field, `payload`, holding a JSON ' +
  'object: `id` (your id, unique per request), `op` (`execute`, `search`, `list_tools` or ' +
  '`list_servers`), optional `session_id` and `deadline_ms`; `execute` takes `tool_name`, ' +
  '`args`? and `timeout_ms`?, `search` takes `query`, `limit`? and `servers`?. A response is an ' +
  'entry with the fields `id` and `payload`: `{"id", "ok": true, "result", "took_ms"}`, where ' +
  '`result` is the REST body of the same operation, or `{"id", "ok": false, "error": {"code", ' +
  '"message", "details"?}, "took_ms"}` with the REST error codes. Entries without a usable ' +
  'payload go to `mcp_requests:dead`. The queue takes no API key. The full field table and the ' +
  'delivery guarantees are in the README, section "Redis queue".';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setUpSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('MCP Gateway')
    .setDescription(
      'One namespaced catalog of the tools of many MCP servers, with execution, sessions and health. ' +
        'Every error body is {statusCode, error, message, code?, details?, request_id}.\n\n' +
        UNROUTED_DESCRIPTION +
        '\n\n' +
        QUEUE_DESCRIPTION,
    )
    .setVersion('0.1.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'An API key from GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE',
      },
      KEY_SCHEMES.bearer,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'The same API key, in the X-API-Key header',
      },
      KEY_SCHEMES.header,
    )
    .build();
  // A factory: the document is built (once) on the first visit to /docs or /docs-json, not
  // during start-up, whose readiness would otherwise wait for the metadata scan.
  SwaggerModule.setup(
    'docs',
    app,
    () => {
      const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorDto] });
      return withGatewayErrors(withBodyAlternatives(document), {
        public: publicOperations(app),
        notRateLimited: notRateLimitedOperations(app),
      });
    },
    { jsonDocumentUrl: 'docs-json' },
  );
}
