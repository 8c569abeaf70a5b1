import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import {
  ErrorCode as McpErrorCode,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../../common/errors/error-message.js';
import { jsonShapeProblem, MAX_JSON_DEPTH } from '../../common/json-shape.js';
import { readMessages } from './json-rpc-envelope.js';

/**
 * The SDK's stdio transport (its framing: one message per line, and its writing), except that
 * each line is read as /mcp reads a body. The SDK takes one message per line and skips any
 * other line, telling only its own error handler. Here:
 * - a batch (a JSON array on one line, as MCP 2025-03-26 has them and /mcp takes) runs message
 *   by message, and its answers go out one per line, as /mcp sends one event per answer;
 * - a request whose params are not an object is answered -32602 with its id;
 * - a line that is no JSON (-32700), or JSON that is no message (-32600, naming the problem),
 *   gets an error with a null id, as JSON-RPC asks, so that whoever debugs a client's framing
 *   sees it.
 */
export class StdioDoorTransport extends StdioServerTransport {
  private unread?: Buffer;

  constructor(stdin: Readable, stdout: Writable) {
    super(stdin, stdout);
    // The SDK's reader of stdin, taken over before start() listens with it.
    this._ondata = (chunk) => this.read(chunk);
  }

  override close(): Promise<void> {
    this.unread = undefined;
    return super.close();
  }

  private read(chunk: Buffer): void {
    const unread = this.unread ? Buffer.concat([this.unread, chunk]) : chunk;
    if (unread.length > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
      // As the SDK: a line this long is no client's message; the connection ends.
      this.onerror?.(new Error(`a line of stdin exceeded ${STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes`));
      void this.close().catch(() => undefined);
      return;
    }
    let rest = unread;
    for (let end = rest.indexOf('\n'); end !== -1; end = rest.indexOf('\n')) {
      const line = rest.toString('utf8', 0, end).replace(/\r$/, '');
      rest = rest.subarray(end + 1);
      this.take(line);
    }
    this.unread = rest.length > 0 ? rest : undefined;
  }

  private take(line: string): void {
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch (error) {
      return this.answerError(null, McpErrorCode.ParseError, `Parse error: ${errorMessage(error)}`);
    }
    // What the HTTP doors' body parser refuses, refused here too: nesting past the limit, a
    // number beyond a double, a member named __proto__.
    const shape = jsonShapeProblem(body, MAX_JSON_DEPTH);
    if (shape) {
      return this.answerError(null, McpErrorCode.InvalidRequest, `Invalid Request: JSON ${shape}`);
    }
    const read = readMessages(body);
    if (typeof read === 'string') {
      return this.answerError(null, McpErrorCode.InvalidRequest, `Invalid Request: ${read}`);
    }
    for (const message of read.messages) {
      try {
        this.onmessage?.(message);
      } catch (error) {
        this.onerror?.(error as Error);
      }
    }
    // A notification with such params is dropped: nothing answers a notification.
    for (const { id, message } of read.badParams) {
      if (id !== undefined) this.answerError(id, McpErrorCode.InvalidParams, message);
    }
  }

  private answerError(id: RequestId | null, code: number, message: string): void {
    // The SDK's message type has no null id; JSON-RPC's error answer to an unreadable line does.
    const answer = { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
    void this.send(answer).catch(() => undefined);
  }
}
