import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type {
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode as McpErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { onCutOff } from '../../common/http/cut-off-answer.js';
import { cancelledRequestId, isRequest, isResponse } from '../json-rpc-shape.js';
import {
  hasNoBody,
  initializeProblem,
  readMessages,
  requestIdOf,
  type BadParams,
} from './json-rpc-envelope.js';
import { replyError as reply } from './json-rpc-reply.js';
import { OutboundBudget, type OutboundLimits } from './outbound-budget.js';

/**
 * A fast answer goes out as one write (headers, event, end); a slow one gets its headers
 * after this long, so that clients which wait for them (with a timeout) see the stream open.
 */
const HEADERS_AFTER_MS = 100;
/** As the SDK: an SSE comment this often keeps idle streams open through proxies. */
const KEEP_ALIVE_MS = 15_000;
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

interface PostStream {
  res: ServerResponse;
  /** Requests of this POST still waiting for their response. */
  pending: Set<RequestId>;
  budget: OutboundBudget;
}

/** A client's stream, written within what the client may leave unread. */
interface Outbound {
  res: ServerResponse;
  budget: OutboundBudget;
}

export interface NodeStreamableHttpTransportOptions {
  sessionIdGenerator: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  /** Interval of the keep-alive comment on open streams (default 15 s). */
  keepAliveMs?: number;
  /** How much a client that does not read may have waiting (see OutboundBudget). */
  outboundLimits?: OutboundLimits;
}

/**
 * The server side of MCP streamable HTTP (stateful, SSE answers) written straight onto
 * Node's request and response. It keeps the SDK transport's rules and error answers (406,
 * 415, 400 for a bad message, batch or protocol version, 404 for an unknown session, 409 for
 * a second GET stream), without the SDK's conversion of every request to a web `Request` and
 * every answer to a web stream, which cost the door about a quarter of its CPU per call.
 * No event store: a dropped stream is not resumable (as before). Where the SDK answers JSON
 * that is no message -32700, this answers -32600 saying what is wrong (a null id, an empty
 * batch), and an initialize with bad params -32602 before any session opens.
 */
export class NodeStreamableHttpTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  sessionId?: string;

  private initialized = false;
  private closed = false;
  private standalone?: Outbound;
  private readonly streams = new Map<RequestId, PostStream>();

  constructor(private readonly options: NodeStreamableHttpTransportOptions) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  async handleRequest(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (this.closed) return reply(res, 404, -32001, 'Session not found');
    switch (req.method) {
      case 'POST':
        return this.handlePost(req, res, body);
      case 'GET':
        return this.handleGet(req, res);
      case 'DELETE':
        return this.handleDelete(req, res);
      default:
        res.setHeader('allow', 'GET, POST, DELETE');
        return reply(res, 405, -32000, 'Method not allowed.');
    }
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = isResponse(message);
    const requestId = answer ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (answer) {
        return Promise.reject(new Error('Cannot send a response on the standalone SSE stream'));
      }
      // Nobody listening (no GET stream open): the spec lets the server drop it.
      if (!this.standalone) return Promise.resolve();
      return this.write(this.standalone, message);
    }
    const stream = this.streams.get(requestId);
    if (!stream) {
      // Rejected, not thrown: the SDK's Protocol handles a failed send with .catch().
      return Promise.reject(
        new Error(`No connection established for request ID: ${String(requestId)}`),
      );
    }
    if (!answer) return this.write(stream, message);
    if (this.closesFor(stream, message)) {
      this.settle(stream, requestId);
      return Promise.reject(new Error(closedMessage(message)));
    }
    this.settle(stream, requestId, sseEvent(message));
    return Promise.resolve();
  }

  /**
   * A message that is not a POST's last answer, within the client's budget: a notification
   * past it is dropped (the SDK sends them without waiting for anyone), a request fails.
   */
  private write(to: Outbound, message: JSONRPCMessage): Promise<void> {
    if (to.res.writableEnded || to.res.destroyed) return Promise.resolve();
    const verdict = to.budget.verdict(message, to.res.writableLength);
    if (verdict === 'drop') return Promise.resolve();
    if (verdict === 'close') {
      to.budget.reportClosed(message, to.res.writableLength);
      to.res.destroy();
      return Promise.reject(new Error(closedMessage(message)));
    }
    to.res.write(sseEvent(message));
    return Promise.resolve();
  }

  /**
   * Whether the client of this stream is so far behind that an answer cannot be queued: its
   * stream is closed then (destroyed, so that its socket's buffer goes too). The SDK's client
   * sees that POST stream fail and its call wait for its own timeout; a GET stream it reopens.
   */
  private closesFor(to: Outbound, message: JSONRPCMessage): boolean {
    if (to.res.writableEnded || to.res.destroyed) return false;
    if (to.budget.verdict(message, to.res.writableLength) !== 'close') return false;
    to.budget.reportClosed(message, to.res.writableLength);
    to.res.destroy();
    return true;
  }

  /**
   * One request of a POST is done: answered (`last` is its answer) or cancelled. The last
   * one ends the response, with the answer in the same write.
   */
  private settle(stream: PostStream, requestId: RequestId, last?: string): void {
    this.streams.delete(requestId);
    if (!stream.pending.delete(requestId)) return;
    if (stream.res.writableEnded || stream.res.destroyed) return;
    if (stream.pending.size === 0) stream.res.end(last);
    else if (last) stream.res.write(last);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const { res } of this.streams.values()) res.end();
    this.streams.clear();
    this.standalone?.res.end();
    this.standalone = undefined;
    this.onclose?.();
    return Promise.resolve();
  }

  private handlePost(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return reply(
        res,
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return reply(
        res,
        415,
        -32000,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    }
    if (hasNoBody(req)) return reply(res, 400, -32700, 'Parse error: the body is empty');
    const parsed = readMessages(body);
    // Valid JSON (the body parser answers -32700 for the rest), so not a parse error.
    if (typeof parsed === 'string') {
      return reply(res, 400, -32600, `Invalid Request: ${parsed}`);
    }
    const { messages, badParams } = parsed;
    const initializing = messages.some((m) => 'method' in m && m.method === 'initialize');
    if (initializing) {
      if (this.initialized) {
        return reply(res, 400, -32600, 'Invalid Request: Server already initialized');
      }
      if (messages.length > 1) {
        return reply(
          res,
          400,
          -32600,
          'Invalid Request: Only one initialization request is allowed',
        );
      }
      // Refused here, not by the server: a session must not open on a handshake it refuses.
      const problem = initializeProblem((messages[0] as { params?: unknown }).params);
      if (problem) return reply(res, 400, -32602, problem, undefined, requestIdOf(messages[0]));
      this.sessionId = this.options.sessionIdGenerator();
      this.initialized = true;
      this.options.onsessioninitialized?.(this.sessionId);
    } else if (!this.acceptsSession(req, res)) {
      return;
    }
    const extra: MessageExtraInfo = { requestInfo: { headers: req.headers } };
    const refused = badParams.filter((b): b is BadParams & { id: RequestId } => b.id !== undefined);
    const requestIds = [
      ...messages.filter(isRequest).map((r) => (r as { id: RequestId }).id),
      ...refused.map((b) => b.id),
    ];
    const reused = duplicateId(requestIds, this.streams);
    if (reused !== undefined) {
      // Its answer could reach only one of them: the other would wait for ever.
      return reply(
        res,
        400,
        -32600,
        `Invalid Request: request id ${JSON.stringify(reused)} is already in use in this session`,
      );
    }
    if (requestIds.length === 0) {
      res.writeHead(202).end();
      for (const message of messages) this.deliver(message, extra);
      return;
    }
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    const stream: PostStream = { res, pending: new Set(), budget: this.budget('POST stream') };
    for (const id of requestIds) {
      stream.pending.add(id);
      this.streams.set(id, stream);
    }
    // Cut off by the shutdown grace: each request still owed gets an error, not silence.
    onCutOff(res, (message) => {
      const owed = [...stream.pending];
      for (const id of owed) this.settle(stream, id, sseEvent(cutOffError(id, message)));
    });
    let keepAlive: NodeJS.Timeout | undefined;
    const flush = setTimeout(() => {
      if (res.writableEnded) return;
      // headersSent is true once writeHead ran, sent or not; an empty flush is harmless.
      res.flushHeaders();
      keepAlive = this.keepAlive(stream);
    }, HEADERS_AFTER_MS);
    // A client that goes away takes its stream with it, and its requests are cancelled as if
    // it had said so: the tool calls behind them stop, and free their slots, now rather than
    // at their timeout.
    res.once('close', () => {
      clearTimeout(flush);
      clearInterval(keepAlive);
      stream.budget.report();
      const abandoned = [...stream.pending];
      stream.pending.clear();
      for (const id of abandoned) {
        this.streams.delete(id);
        this.onmessage?.(cancellation(id, 'the client closed the request'), extra);
      }
    });
    res.on('error', () => undefined);
    for (const message of messages) this.deliver(message, extra);
    // Answered here: the SDK could not take them in (its schemas want object params).
    for (const { id, message } of refused) {
      void this.send({ jsonrpc: '2.0', id, error: { code: McpErrorCode.InvalidParams, message } });
    }
  }

  /**
   * Passes a message on. A cancellation also ends its request's part of the POST stream, for
   * no answer will come (the SDK sends none for a cancelled request).
   */
  private deliver(message: JSONRPCMessage, extra: MessageExtraInfo): void {
    this.onmessage?.(message, extra);
    const cancelled = cancelledRequestId(message);
    if (cancelled === undefined) return;
    const stream = this.streams.get(cancelled);
    if (stream) this.settle(stream, cancelled);
  }

  private handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return reply(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.acceptsSession(req, res)) return;
    if (this.standalone) {
      return reply(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    }
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    // Headers now: the client waits for them before it counts the stream as open.
    res.flushHeaders();
    const standalone = { res, budget: this.budget('GET stream') };
    this.standalone = standalone;
    const keepAlive = this.keepAlive(standalone);
    res.once('close', () => {
      clearInterval(keepAlive);
      standalone.budget.report();
      if (this.standalone === standalone) this.standalone = undefined;
    });
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.acceptsSession(req, res)) return;
    res.writeHead(200).end();
    await this.close();
  }

  private keepAlive({ res, budget }: Outbound): NodeJS.Timeout {
    const timer = setInterval(() => {
      // Ended (answered) but not yet closed, say while a slow reader drains it: a write now
      // would throw from this timer and take the process down.
      if (res.writableEnded || res.destroyed) return clearInterval(timer);
      // A client with bytes still to read has a stream that is anything but idle.
      if (budget.idle(res.writableLength)) res.write(': keepalive\n\n');
    }, this.options.keepAliveMs ?? KEEP_ALIVE_MS);
    timer.unref();
    return timer;
  }

  private budget(stream: string): OutboundBudget {
    const session = `MCP session ${this.sessionId?.slice(0, 8) ?? ''}…`;
    return new OutboundBudget(`${session} ${stream}`, this.options.outboundLimits);
  }

  /** Session and protocol version checks of every request but initialize; answers when refused. */
  private acceptsSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.initialized) {
      reply(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const id = req.headers['mcp-session-id'];
    if (!id) {
      reply(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (id !== this.sessionId) {
      reply(res, 404, -32001, 'Session not found');
      return false;
    }
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      reply(
        res,
        400,
        -32000,
        `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
      return false;
    }
    return true;
  }
}

function closedMessage(message: JSONRPCMessage): string {
  const what = 'method' in message ? `the request ${message.method}` : 'the answer';
  return `the client is not reading its stream: it was closed rather than queue ${what}`;
}

/** A request id used twice in one batch, or already waiting for its answer in this session. */
function duplicateId(
  ids: RequestId[],
  inFlight: ReadonlyMap<RequestId, unknown>,
): RequestId | undefined {
  const seen = new Set<RequestId>();
  for (const id of ids) {
    if (seen.has(id) || inFlight.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

function cancellation(requestId: RequestId, reason: string): JSONRPCMessage {
  return { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } };
}

/** What a request cut off by the shutdown grace is answered: the REST door's 503, in JSON-RPC. */
function cutOffError(id: RequestId, message: string): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    id,
    error: { code: McpErrorCode.InternalError, message, data: { code: 'NOT_READY' } },
  };
}

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
