import { setMaxListeners } from 'node:events';
import type {
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/sdk/shared/transport.js';
import { mediaTypeEssence } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import {
  ErrorCode as McpErrorCode,
  isInitializedNotification,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Dispatcher } from 'undici';
import {
  dispatchRequest,
  type DispatchedResponse,
  type ResponseBody,
} from './dispatched-request.js';
import { cancelledRequestId, isJsonRpcEnvelope, isRequest, isResponse } from './json-rpc-shape.js';
import { readSseMessages, type SseReadOutcome } from './sse-messages.js';
import { UpstreamProtocolError } from './upstream-errors.js';

/** How often, and how patiently, a dropped server-to-client stream is reopened (as the SDK). */
const RECONNECT = { firstDelayMs: 1000, maxDelayMs: 30_000, growth: 1.5, maxRetries: 2 };
/** Same-origin 307/308 hops followed (e.g. `/mcp` → `/mcp/`); never for pinned addresses. */
const MAX_REDIRECTS = 3;
/** How long closing waits for the upstream to end the session (DELETE). */
const TERMINATE_TIMEOUT_MS = 1000;
/**
 * How long an answer stream may stay open once its answer has come. A server should end it
 * then; one that does not (or keeps trickling comments) would hold a socket for ever.
 */
const RELEASE_AFTER_ANSWER_MS = 1000;

export interface PooledHttpTransportOptions {
  /** The connection pool every request goes through (keep-alive, or pinned to checked addresses). */
  dispatcher: Dispatcher;
  /** Headers of the server spec (e.g. Authorization), sent on every request. */
  headers: Record<string, string>;
  /** Same-origin redirects are followed only when true (servers from the servers file). */
  followRedirects: boolean;
  /**
   * The largest message read from the server (a JSON answer, one SSE event), 64 MiB if unset:
   * past it the read stops, so a hostile or broken server cannot fill the gateway's memory.
   */
  maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** What an error answer may say: enough for a message, not a page of HTML. */
const FAILURE_TEXT_BYTES = 4096;

export class UpstreamHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`Streamable HTTP error: ${message}`);
  }
}

/**
 * The MCP streamable HTTP client transport on undici's `dispatch` over a keep-alive pool,
 * for the gateway's upstream hop. The SDK's own transport goes through WHATWG fetch and web
 * streams and spends about a millisecond of CPU per call here; the protocol is the same:
 * POST each message (JSON or SSE answer), keep the Mcp-Session-Id and protocol version,
 * open the GET stream after `notifications/initialized`, resume a stream with Last-Event-ID,
 * DELETE the session on close.
 */
export class PooledHttpTransport implements Transport {
  private get maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private url: URL;
  private session?: string;
  private protocolVersion?: string;
  private abort?: AbortController;
  /**
   * The exchange (POST and its answer stream) of each request in flight, aborted on its own
   * when the call ends without its answer (timeout, cancellation) or is answered and the
   * server keeps the stream open: the transport-wide abort only fires on close.
   */
  private readonly exchanges = new Map<RequestId, AbortController>();
  private reconnectTimer?: NodeJS.Timeout;
  /** The `retry:` a server asked for in its stream; it replaces the first back-off delay. */
  private serverRetryMs?: number;
  private closed = false;

  constructor(
    url: URL,
    private readonly options: PooledHttpTransportOptions,
  ) {
    this.url = url;
  }

  get sessionId(): string | undefined {
    return this.session;
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  start(): Promise<void> {
    if (this.abort) throw new Error('PooledHttpTransport already started');
    this.abort = new AbortController();
    // Every request in flight listens on this one signal; dozens at once are normal here.
    setMaxListeners(0, this.abort.signal);
    return Promise.resolve();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const id = isRequest(message) ? (message as { id: RequestId }).id : undefined;
    let exchange: AbortController | undefined;
    let streaming = false;
    try {
      if (options?.resumptionToken) {
        this.openStream(options.resumptionToken, 0);
        return;
      }
      // The SDK says a call ended without its answer (timeout, abort) only by cancelling it.
      const cancelled = cancelledRequestId(message);
      if (cancelled !== undefined) this.release(cancelled, 'the request was cancelled');
      exchange = id === undefined ? undefined : this.openExchange(id);
      const response = await this.request(
        'POST',
        {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        JSON.stringify(message),
        0,
        undefined,
        exchange?.signal,
      );
      const session = header(response.headers, 'mcp-session-id');
      if (session) this.session = session;
      if (response.statusCode >= 300) {
        const failure = await postFailure(response);
        if (response.statusCode === 404 && this.session) this.sessionLost();
        throw failure;
      }
      if (response.statusCode === 202 || !isRequest(message)) {
        await response.body.dump();
        if (isInitializedNotification(message)) this.openStream(undefined, 0);
        return;
      }
      const type = mediaTypeEssence(header(response.headers, 'content-type'));
      if (type === 'text/event-stream') {
        // The answer streams (progress, server requests, then the result): read it in the background.
        streaming = true;
        void this.readStream(response.body, false, undefined, id);
      } else if (type === 'application/json') {
        const text = await readCapped(response.body, this.maxMessageBytes, 'answer');
        const data: unknown = JSON.parse(text);
        let answered = false;
        for (const item of Array.isArray(data) ? data : [data]) {
          answered ||= isAnswerTo(item, id);
          this.deliver(item);
        }
        // A JSON answer is the whole exchange: without the answer to this request in it, the
        // call would wait out its timeout for one that cannot come.
        if (!answered) {
          throw new UpstreamProtocolError(
            `the server's JSON answer holds no JSON-RPC answer to request ${JSON.stringify(id)}: ${text.slice(0, 200)}`,
          );
        }
      } else {
        await response.body.dump();
        throw new UpstreamHttpError(-1, `Unexpected content type: ${type ?? 'none'}`);
      }
    } catch (error) {
      // Aborted because the call ended: the SDK has settled it already, nothing went wrong.
      if (!exchange?.signal.aborted) this.onerror?.(error as Error);
      throw error;
    } finally {
      if (id !== undefined && !streaming) this.endExchange(id, exchange);
    }
  }

  private openExchange(id: RequestId): AbortController {
    const exchange = new AbortController();
    this.exchanges.set(id, exchange);
    return exchange;
  }

  /** Forgets a request's exchange once nothing of it is left to read. */
  private endExchange(id: RequestId, exchange: AbortController | undefined): void {
    if (this.exchanges.get(id) === exchange) this.exchanges.delete(id);
  }

  /** Stops what is left of a request's exchange: its socket closes, the pool opens another. */
  private release(id: RequestId, reason: string): void {
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    this.exchanges.delete(id);
    exchange.abort(new Error(reason));
  }

  /** Ends the upstream session first (DELETE), as a client that is done SHOULD; best effort. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    if (this.session && this.abort && !this.abort.signal.aborted) {
      await this.terminateSession().catch(() => undefined);
    }
    this.abort?.abort();
    for (const id of [...this.exchanges.keys()]) this.release(id, 'the connection closed');
    this.onclose?.();
  }

  /** DELETE of the session; 405 means the server does not let clients end sessions. */
  private async terminateSession(): Promise<void> {
    const response = await this.request('DELETE', {}, undefined, 0, TERMINATE_TIMEOUT_MS);
    await response.body.dump();
    this.session = undefined;
  }

  private async request(
    method: 'POST' | 'GET' | 'DELETE',
    extra: Record<string, string>,
    body?: string,
    redirects = 0,
    timeoutMs?: number,
    /** The request's own exchange signal; the transport-wide one otherwise. */
    signal?: AbortSignal,
  ): Promise<DispatchedResponse> {
    const headers: Record<string, string> = { ...extra, ...this.options.headers };
    if (this.session) headers['mcp-session-id'] = this.session;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    const response = await dispatchRequest(
      this.options.dispatcher,
      { origin: this.url.origin, path: this.url.pathname + this.url.search, method, headers, body },
      timeoutMs ? AbortSignal.timeout(timeoutMs) : (signal ?? this.abort?.signal),
    );
    const next = this.redirectTarget(response, redirects);
    if (!next) return response;
    await response.body.dump();
    this.url = next;
    return this.request(method, extra, body, redirects + 1, timeoutMs, signal);
  }

  /** Where a method-preserving same-origin redirect points, when it may be followed. */
  private redirectTarget(response: DispatchedResponse, redirects: number): URL | undefined {
    if (response.statusCode !== 307 && response.statusCode !== 308) return undefined;
    const location = header(response.headers, 'location');
    if (!location || !this.options.followRedirects || redirects >= MAX_REDIRECTS) return undefined;
    const target = new URL(location, this.url);
    return target.origin === this.url.origin ? target : undefined;
  }

  /** The GET stream for server-initiated messages, or a resumed one after `lastEventId`. */
  private openStream(lastEventId: string | undefined, attempt: number): void {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    this.request('GET', headers)
      .then(async (response) => {
        // 405: the server offers no GET stream, which the spec allows.
        if (response.statusCode === 405) return response.body.dump();
        if (response.statusCode === 404 && this.session) {
          await response.body.dump();
          return this.sessionLost();
        }
        if (response.statusCode >= 300) {
          await response.body.dump();
          throw new UpstreamHttpError(response.statusCode, 'Failed to open SSE stream');
        }
        await this.readStream(response.body, true, lastEventId);
      })
      .catch((error: unknown) => {
        if (this.abort?.signal.aborted) return;
        this.onerror?.(error as Error);
        this.reconnect(lastEventId, attempt + 1);
      });
  }

  private async readStream(
    body: AsyncIterable<Buffer>,
    reconnectable: boolean,
    resumedFrom?: string,
    /** The request a POST stream answers, failed at once if the stream ends without it. */
    answering?: RequestId,
  ): Promise<void> {
    let outcome: SseReadOutcome | undefined;
    let lastEventId = resumedFrom;
    let broke: string | undefined;
    const exchange = answering === undefined ? undefined : this.exchanges.get(answering);
    let lingering: NodeJS.Timeout | undefined;
    const onMessage = (message: JSONRPCMessage): void => {
      if (answering !== undefined && lingering === undefined && isResponse(message)) {
        // Answered: whatever else comes on this stream is for nobody.
        lingering = setTimeout(
          () => this.release(answering, 'the request was answered'),
          RELEASE_AFTER_ANSWER_MS,
        );
        lingering.unref();
      }
      this.onmessage?.(message);
    };
    try {
      outcome = await readSseMessages(
        body,
        onMessage,
        (error) => this.onerror?.(error),
        (ms) => (this.serverRetryMs = ms),
        this.maxMessageBytes,
      );
      lastEventId = outcome.lastEventId ?? lastEventId;
    } catch (error) {
      // Released (answered, cancelled, timed out) or closed: the stream was ours to end.
      if (this.abort?.signal.aborted || exchange?.signal.aborted) return;
      broke = (error as Error).message;
      this.onerror?.(new Error(`SSE stream disconnected: ${broke}`));
    } finally {
      clearTimeout(lingering);
      if (answering !== undefined) this.endExchange(answering, exchange);
    }
    // A stream that ended before its answer is resumed where it stopped, when the server
    // gave event ids (the GET stream is always reopened).
    const resumable = reconnectable || lastEventId !== undefined;
    if (outcome?.sawResponse || this.abort?.signal.aborted) return;
    if (resumable) return this.reconnect(lastEventId, 0);
    // Nothing can bring that answer any more: fail the call now rather than at its timeout.
    if (answering !== undefined) {
      this.onmessage?.({
        jsonrpc: '2.0',
        id: answering,
        error: {
          code: McpErrorCode.ConnectionClosed,
          message: `the server ended the answer stream of this request without answering${broke ? ` (${broke})` : ''}`,
        },
      });
    }
  }

  private reconnect(lastEventId: string | undefined, attempt: number): void {
    if (this.abort?.signal.aborted) return;
    if (attempt > RECONNECT.maxRetries) {
      // The server is gone: end this connection, so that its owner sees it and reconnects.
      this.onerror?.(new Error('the server stream could not be reopened; closing the connection'));
      void this.close();
      return;
    }
    const delay = Math.min(
      (this.serverRetryMs ?? RECONNECT.firstDelayMs) * RECONNECT.growth ** attempt,
      RECONNECT.maxDelayMs,
    );
    this.reconnectTimer = setTimeout(() => this.openStream(lastEventId, attempt), delay);
    this.reconnectTimer.unref();
  }

  /**
   * A 404 to a request that named our session: the server no longer knows it (it restarted,
   * or expired it). This connection is over; its owner reconnects with a new session.
   */
  private sessionLost(): void {
    this.session = undefined;
    setImmediate(() => void this.close());
  }

  private deliver(value: unknown): void {
    if (isJsonRpcEnvelope(value)) this.onmessage?.(value);
    else this.onerror?.(new Error('upstream answered JSON that is not JSON-RPC 2.0'));
  }
}

async function postFailure(response: DispatchedResponse): Promise<UpstreamHttpError> {
  const status = response.statusCode;
  const location = header(response.headers, 'location');
  const text = await readCapped(response.body, FAILURE_TEXT_BYTES, 'error', true).catch(() => '');
  const said =
    status < 400 && location
      ? `redirected to ${location}, not followed (only same-origin 307/308 of servers-file entries are)`
      : text.slice(0, 500);
  return new UpstreamHttpError(status, `Error POSTing to endpoint (HTTP ${status}): ${said}`);
}

/**
 * A body as text, read no further than `max` bytes: past it the body is dropped and the read
 * fails, or, with `truncate`, what came so far is the text.
 */
async function readCapped(
  body: ResponseBody,
  max: number,
  what: string,
  truncate = false,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    chunks.push(chunk);
    if (size > max) {
      body.destroy();
      if (truncate) break;
      throw new UpstreamHttpError(-1, `the server's ${what} is larger than ${max} bytes`);
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function header(headers: DispatchedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A JSON-RPC result or error for the request `id`, matched as the SDK's Client matches it
 * (`Number(id)`): a server that answers request 3 with id "3" is answered, not refused.
 */
function isAnswerTo(value: unknown, id: RequestId | undefined): boolean {
  if (!isJsonRpcEnvelope(value) || !isResponse(value)) return false;
  const answered = (value as { id?: unknown }).id;
  return answered === id || (typeof id === 'number' && Number(answered) === id);
}
