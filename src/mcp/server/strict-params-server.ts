import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol, type RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolResultSchema,
  ErrorCode as McpErrorCode,
  type Notification,
  type Request,
  type Result,
  type ServerNotification,
  type ServerRequest,
  type ServerResult,
} from '@modelcontextprotocol/sdk/types.js';
import {
  safeParse,
  type AnyObjectSchema,
  type SchemaOutput,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { getMethodLiteral } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import * as z from 'zod/v4';
import { protocolError } from '../protocol-error.js';
import { describeIssues } from './schema-issues.js';

// As the base class declares them (Server's default type parameters).
type Extra = RequestHandlerExtra<ServerRequest | Request, ServerNotification | Notification>;
type Answer = ServerResult | Result;

/**
 * The SDK's Server, except that a request whose params do not fit its method is answered
 * -32602 (Invalid params), as JSON-RPC asks. The SDK parses each request with the method's
 * schema before the handler runs, and a failed parse becomes -32603 (Internal error) carrying
 * the schema library's dump. Here the SDK only matches the method; the params are checked
 * inside the handler. Every handler goes through this, the SDK's own (initialize, ping) too.
 *
 * tools/call skips the SDK Server's own check of it, which runs first and answers a call
 * without a name with its schema library's multi-line dump, prefixed "MCP error -32602:" twice
 * once the client's McpError adds its own. The result is still checked, as the SDK does.
 */
export class StrictParamsServer extends Server {
  override setRequestHandler<T extends AnyObjectSchema>(
    requestSchema: T,
    handler: (request: SchemaOutput<T>, extra: Extra) => Answer | Promise<Answer>,
  ): void {
    const method = getMethodLiteral(requestSchema);
    const anyParams = z.looseObject({ method: z.literal(method) });
    const checked = (request: Request, extra: Extra) => {
      const parsed = safeParse(requestSchema, request);
      if (!parsed.success) {
        throw protocolError(
          McpErrorCode.InvalidParams,
          `Invalid params for ${method}: ${describeIssues(parsed.error)}`,
        );
      }
      return handler(parsed.data, extra);
    };
    if (method !== 'tools/call') return super.setRequestHandler(anyParams, checked);
    // Protocol's registration, past Server's override of it.
    Protocol.prototype.setRequestHandler.call(
      this,
      anyParams,
      async (request: Request, extra: Extra) => {
        const result = safeParse(CallToolResultSchema, await checked(request, extra));
        if (result.success) return result.data;
        throw protocolError(
          McpErrorCode.InternalError,
          `Invalid tools/call result: ${describeIssues(result.error)}`,
        );
      },
    );
  }
}
