import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';

/** The two ways to present an API key; either one is enough (api-key.guard.ts). */
export const KEY_SCHEMES = { bearer: 'bearer', header: 'api_key' } as const;

export const HTTP_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
] as const;

const errorResponse = (description: string): ResponseObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } },
});

/**
 * A status the route already documents keeps its description, and the cause is appended unless
 * the description mentions it already (by its code, unless told another word); the body is the
 * project's error body either way.
 */
function addResponse(
  operation: OperationObject,
  status: string,
  code: string,
  cause: string,
  headers?: ResponseObject['headers'],
  mentionedBy: string = code,
): void {
  const description = `${cause} (${code})`;
  const existing = operation.responses[status] as ResponseObject | undefined;
  const response = existing ?? errorResponse(description);
  if (existing && !existing.description.includes(mentionedBy)) {
    existing.description = existing.description
      ? `${existing.description}; or ${description.charAt(0).toLowerCase()}${description.slice(1)}`
      : description;
  }
  if (headers) response.headers = { ...response.headers, ...headers };
  operation.responses[status] = response;
}

/** Routes whose decorators lift a check the guards make everywhere else. */
export interface RouteExceptions {
  /** @Public(): no API key, so no 401 or 403 INSUFFICIENT_SCOPE. */
  public: ReadonlySet<string>;
  /** @NotRateLimited(): never a 429 RATE_LIMITED. */
  notRateLimited: ReadonlySet<string>;
}

/**
 * Errors that the middleware, the guards, the body parser and the validation pipe answer on
 * every route they cover, so no handler declares them: added here once. Every route can get a
 * 403 FORBIDDEN_ORIGIN (the Host/Origin check runs before routing, the probes included). Every
 * route but the @Public() ones needs a key (401, 403) and counts against the rate limits (429),
 * unless @NotRateLimited(); a route with a body can get one that is too large (413), not JSON
 * (415) or malformed (400); a blank X-Session-ID is a 400 too, and so is a path parameter that
 * cannot be decoded. Routes that read sessions or Redis analytics answer 503 when Redis is away.
 */
export function withGatewayErrors(
  document: OpenAPIObject,
  exceptions: RouteExceptions,
): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const route = `${method} ${path}`;
      if (exceptions.public.has(route)) {
        // Explicit: no key, even if a document-wide requirement is ever added.
        operation.security = [];
      } else {
        // Either scheme admits the caller: two alternatives, not both at once.
        operation.security = [{ [KEY_SCHEMES.bearer]: [] }, { [KEY_SCHEMES.header]: [] }];
        addResponse(operation, '401', 'UNAUTHENTICATED', 'No API key, or one that is not valid', {
          'WWW-Authenticate': {
            description: 'Bearer realm="mcp-gateway"',
            schema: { type: 'string' },
          },
        });
        addResponse(
          operation,
          '403',
          'INSUFFICIENT_SCOPE',
          'The API key lacks the scope for this route',
        );
      }
      addResponse(
        operation,
        '403',
        'FORBIDDEN_ORIGIN',
        'The Host or Origin header names a site the gateway does not serve (DNS-rebinding protection; GATEWAY_ALLOWED_HOSTS)',
      );
      if (!exceptions.public.has(route) && !exceptions.notRateLimited.has(route)) {
        addResponse(
          operation,
          '429',
          'RATE_LIMITED',
          'Rate limit reached: RATE_LIMIT_PER_MINUTE per caller, and on tool calls RATE_LIMIT_TOOL_PER_MINUTE per caller and tool',
          {
            'Retry-After': {
              description: 'Seconds until the rate-limit window resets',
              schema: { type: 'integer' },
            },
          },
        );
      }
      const scoped = operation.parameters?.some((p) => 'name' in p && p.name === 'X-Session-ID');
      if (scoped || path.startsWith('/sessions') || path.startsWith('/analytics')) {
        addResponse(
          operation,
          '503',
          'STORE_UNAVAILABLE',
          'The shared store (Redis, when REDIS_URL is set) does not answer; sessions, session-scoped calls and Redis analytics need it',
        );
      }
      if (operation.requestBody) {
        addResponse(
          operation,
          '400',
          'INVALID_REQUEST',
          'Malformed JSON, or a body that is not a JSON object, is nested too deep, breaks the schema or has unknown fields',
          undefined,
          // Added even where the route names INVALID_REQUEST for causes of its own.
          'Malformed JSON',
        );
        addResponse(
          operation,
          '413',
          'PAYLOAD_TOO_LARGE',
          'The body is larger than MAX_BODY_BYTES',
        );
        addResponse(
          operation,
          '415',
          'UNSUPPORTED_MEDIA_TYPE',
          'The body is not sent as application/json',
        );
      }
      if (path.includes('{')) {
        addResponse(operation, '400', 'INVALID_REQUEST', 'A path parameter with a broken %-escape');
      }
      if (scoped) {
        addResponse(
          operation,
          '400',
          'INVALID_REQUEST',
          'An X-Session-ID header that is there but empty',
          undefined,
          'X-Session-ID',
        );
      }
    }
  }
  return document;
}
