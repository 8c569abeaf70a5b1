import { Injectable } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { redact } from '../common/redact.js';
import {
  isStdioSpec,
  redactUrl,
  secretValuesOf,
  type RemoteServerSpec,
  type ServerSpec,
  type StdioServerSpec,
} from '../servers/server-spec.js';
import { keepAliveAgent, keepAliveFetch } from './keep-alive-fetch.js';
import { pinnedAgent, pinnedFetch } from './pinned-fetch.js';
import { PooledHttpTransport } from './pooled-http-transport.js';
import { ProcessGroupStdioTransport } from './process-group-stdio-transport.js';
import { SdkUpstreamClient, UPSTREAM_CLIENT_CAPABILITIES } from './sdk-upstream-client.js';
import { StderrTail } from './stderr-tail.js';
import { isSdkTimeout } from './upstream-errors.js';
import {
  UpstreamClientFactory,
  type ConnectOptions,
  type UpstreamClient,
  type UpstreamEvents,
} from './upstream-client.js';
import { errorCause, errorMessage } from '../common/errors/error-message.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { describeIssues } from './server/schema-issues.js';

const CLIENT_INFO = { name: 'mcp-gateway', version: '0.1.0' };

/**
 * Connects with the SDK's Client over stdio, streamable HTTP (the gateway's PooledHttpTransport,
 * or the SDK's with MCP_HTTP_TRANSPORT=sdk) or the older HTTP+SSE.
 */
@Injectable()
export class SdkUpstreamClientFactory extends UpstreamClientFactory {
  constructor(private readonly config: GatewayConfig) {
    super();
  }

  async connect(
    serverName: string,
    spec: ServerSpec,
    events: UpstreamEvents,
    options: ConnectOptions,
  ): Promise<UpstreamClient> {
    const secrets = secretValuesOf(spec);
    try {
      const client = isStdioSpec(spec)
        ? await this.connectStdio(serverName, spec, options)
        : await this.connectRemote(serverName, spec, options);
      client.listen(events);
      return client;
    } catch (error) {
      const message = errorMessage(error);
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, redact(message, secrets));
    }
  }

  private async connectStdio(
    serverName: string,
    spec: StdioServerSpec,
    options: ConnectOptions,
  ): Promise<SdkUpstreamClient> {
    const maxMessageBytes = this.maxMessageBytes;
    // The child gets only the SDK's safe default environment (PATH, HOME, ...) plus ours.
    const transport = new ProcessGroupStdioTransport({
      command: spec.command,
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd,
      maxBufferSize: maxMessageBytes,
      killGraceMs: options.killGraceMs,
    });
    const stderr = new StderrTail(transport.stderr);
    const client = new Client(CLIENT_INFO, { capabilities: UPSTREAM_CLIENT_CAPABILITIES });
    // The SDK's reader refuses a message over its limit by closing the connection, and says
    // why only to onerror; the server then looks as if it had just exited.
    let oversized = false;
    // A server that writes anything but JSON-RPC to stdout (a banner, logs) never answers the
    // handshake in a form that can be read: its first such line says why.
    let notJsonRpc: string | undefined;
    client.onerror = (error) => {
      oversized ||= isStdioOverflow(error);
      notJsonRpc ??= unreadableLine(error);
    };
    const describeExit = () => {
      if (oversized) {
        return `stdio server '${serverName}' sent a message larger than the stdio limit of ${maxMessageBytes} bytes (4 × MAX_TOOL_RESULT_BYTES, at least 16 MiB); the gateway closed the connection`;
      }
      const said = stderr.lastLines();
      // Not yet known when stdout closed first (a server that closed it, or a child of its
      // that held it, ended): still worth saying the rest.
      const how = transport.exitedHow ? ` ${transport.exitedHow}` : '';
      return `stdio server '${serverName}' exited${how}${said ? `; stderr: ${said}` : ''}`;
    };
    try {
      await this.handshake(client, transport, options.timeoutMs, options.signal);
    } catch (error) {
      // Ended at once, not through close(), which gives a child that ignores the end of its
      // stdin a grace period more: the answer would come that much past SERVER_CONNECT_TIMEOUT_MS.
      await transport.terminate();
      await client.close().catch(() => undefined);
      const said = stderr.lastLines();
      const reason = oversized ? describeExit() : errorMessage(error);
      const stdout = notJsonRpc
        ? `; its stdout carries lines that are not JSON-RPC (${notJsonRpc}): a stdio server must log to stderr`
        : '';
      throw new Error(
        `failed to start '${spec.command}': ${reason}${stdout}${said ? `; stderr: ${said}` : ''}`,
        { cause: error },
      );
    }
    return new SdkUpstreamClient(serverName, 'stdio', client, transport, describeExit);
  }

  private async connectRemote(
    serverName: string,
    spec: RemoteServerSpec,
    options: ConnectOptions,
  ): Promise<SdkUpstreamClient> {
    const url = new URL(spec.url);
    const requestInit = { headers: spec.headers };
    const describeExit = () => `connection to '${serverName}' closed`;
    const attempt = async (kind: 'streamable-http' | 'sse', timeoutMs: number) => {
      // Servers added over the API connect only to the addresses the SSRF guard approved.
      const dispatcher = spec.pinned ? pinnedAgent(spec.pinned) : keepAliveAgent;
      const base = spec.pinned ? pinnedFetch(dispatcher) : keepAliveFetch;
      const transport =
        kind === 'sse'
          ? new SSEClientTransport(url, {
              requestInit,
              fetch: base,
              eventSourceInit: { fetch: withHeaders(spec.headers, base) },
            })
          : this.config.mcpHttpTransport === 'sdk'
            ? new StreamableHTTPClientTransport(url, { requestInit, fetch: base })
            : new PooledHttpTransport(url, {
                dispatcher,
                headers: spec.headers,
                followRedirects: !spec.pinned,
                maxMessageBytes: this.maxMessageBytes,
              });
      if (spec.pinned) {
        // The pinned pool is this connection's own, whichever transport: closed with it. Set
        // before connect(); the SDK chains its own close handling after this one.
        transport.onclose = () => void dispatcher.close().catch(() => undefined);
      }
      const client = new Client(CLIENT_INFO, { capabilities: UPSTREAM_CLIENT_CAPABILITIES });
      try {
        await this.handshake(client, transport, timeoutMs, options.signal);
      } catch (error) {
        await client.close().catch(() => undefined);
        throw error;
      }
      return new SdkUpstreamClient(serverName, kind, client, undefined, describeExit);
    };
    try {
      if (spec.transport) return await attempt(spec.transport, options.timeoutMs);
      // Inferred: the current transport first, then the older HTTP+SSE one (MCP spec, backwards
      // compatibility), both within one SERVER_CONNECT_TIMEOUT_MS. A server that did not answer
      // at all gets no second try: it would not answer that either, and the wait would double.
      const started = Date.now();
      try {
        return await attempt('streamable-http', options.timeoutMs);
      } catch (streamableError) {
        const left = options.timeoutMs - (Date.now() - started);
        if (isNoAnswer(streamableError) || left <= 0 || options.signal?.aborted) {
          throw streamableError;
        }
        try {
          return await attempt('sse', left);
        } catch (sseError) {
          throw new BothTransportsFailed(streamableError, sseError);
        }
      }
    } catch (error) {
      const why =
        error instanceof BothTransportsFailed
          ? `streamable HTTP: ${describeNetworkError(error.streamable)}; SSE: ${describeNetworkError(error.sse)}`
          : describeNetworkError(error);
      throw new Error(`cannot connect to ${redactUrl(spec.url)}: ${why}`, { cause: error });
    }
  }

  /**
   * The largest message read from a server, over any transport. Room for a result a little
   * over MAX_TOOL_RESULT_BYTES to be refused as RESULT_TOO_LARGE, failing that call alone.
   */
  private get maxMessageBytes(): number {
    return Math.max(4 * this.config.security.maxToolResultBytes, 16 * 1024 * 1024);
  }

  /**
   * The SDK's initialize request has its own timeout; the outer race also covers a stuck spawn
   * or socket, and `signal`: a server removed while connecting is given up at once, so its
   * process is ended then, not when the timeout comes.
   */
  private async handshake(
    client: Client,
    transport: Transport,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no MCP handshake within ${timeoutMs} ms`)),
        timeoutMs,
      );
      onAbort = () => reject(new Error('closed while connecting'));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([client.connect(transport, { timeout: timeoutMs }), stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The handshake ran out of time: the server took the connection but never answered. */
function isNoAnswer(error: unknown): boolean {
  return (
    isSdkTimeout(error) ||
    (error instanceof Error && error.message.startsWith('no MCP handshake within'))
  );
}

/**
 * What the SDK's line reader throws for a stdout line that is not JSON (a banner: the parser's
 * message quotes its start) or JSON that is not JSON-RPC (a JSON logger: its schema issues, in
 * one line); undefined for any other error.
 */
function unreadableLine(error: Error): string | undefined {
  if (error instanceof SyntaxError) return oneLine(error.message);
  if (error.name === 'ZodError')
    return `JSON that is not JSON-RPC: ${oneLine(describeIssues(error))}`;
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** The SDK's stdio reader (shared/stdio.js ReadBuffer) over its maxBufferSize. */
function isStdioOverflow(error: Error): boolean {
  return error.message.startsWith('ReadBuffer exceeded maximum size');
}

/** The SSE GET stream needs the spec's headers too, not only the POSTs. */
function withHeaders(headers: Record<string, string>, base: typeof fetch): typeof fetch {
  return (input, init) =>
    base(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string>), ...headers },
    });
}

/** fetch hides the useful part (ECONNREFUSED, ENOTFOUND, ...) in a chain of causes. */
function describeNetworkError(error: unknown): string {
  const details: string[] = [];
  for (let cause = errorCause(error); cause && details.length < 3; cause = errorCause(cause)) {
    const code = (cause as { code?: unknown }).code;
    details.push(typeof code === 'string' ? code : errorMessage(cause));
  }
  const said = details.length
    ? `${errorMessage(error)} (${details.join(': ')})`
    : errorMessage(error);
  // fetch's own refusal of ports such as 6000 or 10080 (the Fetch standard's "bad ports"),
  // which reads like a fault of the server: the SSE client is built on fetch, streamable HTTP is not.
  return /\bbad port\b/.test(said)
    ? `${said}: fetch, which the SSE client uses, refuses this port whatever listens on it`
    : said;
}

/** An inferred transport: both were tried, and each failure is worth saying. */
class BothTransportsFailed extends Error {
  constructor(
    readonly streamable: unknown,
    readonly sse: unknown,
  ) {
    super('streamable HTTP and SSE both failed', { cause: streamable });
  }
}
