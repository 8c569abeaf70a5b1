import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { requestContext } from '../common/logging/request-context.js';
import { sameDefinition } from '../common/same-definition.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { redact, redactDeep } from '../common/redact.js';
import type {
  CallOptions,
  ConnectOptions,
  ForwardedMethod,
  McpObject,
  SkippedTool,
  ToolListing,
  ToolResult,
  UpstreamCapabilities,
  UpstreamClient,
  UpstreamClientFactory,
  UpstreamNotification,
  UpstreamTool,
} from '../mcp/upstream-client.js';
import { isStdioSpec, secretValuesOf, type ServerSpec, type TransportKind } from './server-spec.js';
import { errorMessage } from '../common/errors/error-message.js';

export type ServerStatus = 'connecting' | 'connected' | 'failed' | 'closed';
export type ServerSource = 'config' | 'api';

/** Back-off of reconnecting to an unreachable server, or restarting a dead one: 1 s, 2 s, … 30 s. */
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 30_000;
/**
 * A stdio server that ran this long before dying is restarted after the first back-off again;
 * one that dies sooner (a crash loop) keeps backing off, so it costs a spawn every 30 s at most.
 */
const STABLE_UPTIME_MS = 60_000;
/** One unanswered ping may be a blip (a long GC, a busy host); two in a row are an outage. */
const PINGS_MISSED_BEFORE_FAILED = 2;
/** A live server answers a ping in milliseconds; waiting longer only delays the verdict. */
const PING_TIMEOUT_MAX_MS = 10_000;

/**
 * One upstream server in one scope: its spec, its connection and its last known tools.
 * Never throws from connect(); the outcome is the status and the error.
 */
export class ServerConnection {
  readonly uuid = randomUUID();
  status: ServerStatus = 'connecting';
  error?: string;
  tools: UpstreamTool[] = [];
  /** Tools of its last listing left out (invalid, or a name listed twice), shown to operators. */
  skippedTools: SkippedTool[] = [];
  private client?: UpstreamClient;
  private readonly notificationListeners = new Set<(n: UpstreamNotification) => void>();
  private readonly logger: Logger;
  private readonly secrets: string[];
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectAttempts = 0;
  private pingTimer?: NodeJS.Timeout;
  private pingsMissed = 0;
  /** When the tools were last listed, or a re-listing was last tried. */
  private listedAt = 0;
  /** The tool count past MAX_TOOLS_PER_SERVER last warned about: said once, not at each listing. */
  private cappedFrom?: number;
  /** A ping sent because a call could not reach the server; one at a time. */
  private checking?: Promise<void>;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  /** Closing of connections given up on; a restart waits for it, so no two trees overlap. */
  private reaping?: Promise<void>;
  /** The current connection attempt (open()), and how to end it early. */
  private opening?: Promise<void>;
  private connecting?: AbortController;
  /** When the current connection came up; a stdio server that ever came up is restarted. */
  private connectedAt?: number;
  private connections = 0;
  /**
   * Refused a stdio place (STDIO_MAX_PROCESSES) and waiting for one: said once at warn; the
   * retries are logged at debug, since a crowd of sessions waiting would otherwise log a pair
   * of lines per server per attempt, up to one every 30 s each.
   */
  private waitingForPlace = false;

  constructor(
    readonly name: string,
    readonly spec: ServerSpec,
    readonly source: ServerSource,
    private readonly factory: UpstreamClientFactory,
    private readonly options: ConnectOptions,
    /** Called whenever the set of tools this server offers changes (including to none). */
    private readonly onToolsChanged: (server: ServerConnection) => void,
    /** 'global', a session id, or 'shared': each session may hold its own copy of a server. */
    scope = 'global',
  ) {
    // The scope in the context: two sessions' copies of one server log the same lines.
    const where = scope === 'global' || scope === 'shared' ? scope : `session ${scope}`;
    this.logger = new Logger(`Server ${name} (${where})`);
    this.secrets = secretValuesOf(spec);
  }

  get transport(): TransportKind | 'auto' {
    return (
      this.client?.transport ?? (isStdioSpec(this.spec) ? 'stdio' : (this.spec.transport ?? 'auto'))
    );
  }

  /**
   * Connects outside the context of the request that asked for it, if one did: the connection
   * outlives that request, and what it logs later (an exit, a reconnect, a failed ping) must
   * not carry the request's id. Timers and child-process events keep the context they were
   * created in, so the whole connection starts outside it.
   */
  connect(): Promise<void> {
    const opening = requestContext.exit(() => this.open());
    this.opening = opening;
    return opening;
  }

  private async open(): Promise<void> {
    const connecting = new AbortController();
    this.connecting = connecting;
    // The handshake and the whole listing share one SERVER_CONNECT_TIMEOUT_MS.
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      this.client = await this.factory.connect(
        this.name,
        this.spec,
        {
          onToolsChanged: () => void this.refreshTools(),
          onClosed: (reason) => this.markDead(reason),
          onNotification: (notification) => this.relay(notification),
        },
        { ...this.options, signal: connecting.signal },
      );
      if (this.status === 'closed') {
        // Removed while connecting: do not leak the process.
        await this.client.close();
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`tools/list not sent: the handshake took all ${this.options.timeoutMs} ms`);
      this.take(await this.client.listTools(this.options.maxTools, left));
      this.status = 'connected';
      this.error = undefined;
      this.connectedAt = Date.now();
      this.connections++;
      // A stdio server's back-off resets only once it has stayed up (see markDead).
      if (this.isRemote) this.reconnectAttempts = 0;
      const waited = this.waitingForPlace ? ' after waiting for a stdio process place' : '';
      this.waitingForPlace = false;
      this.logger.log(
        `connected over ${this.client.transport} with ${this.tools.length} tool(s)${waited}`,
      );
      this.schedulePing();
    } catch (error) {
      if (this.status === 'closed') return;
      this.status = 'failed';
      this.error = this.safeMessage(error);
      const noRoom = error instanceof GatewayError && error.code === ErrorCode.SERVER_LIMIT;
      if (noRoom && this.waitingForPlace) this.logger.debug(`still waiting: ${this.error}`);
      else if (noRoom) this.logger.warn(`waiting for a stdio process place: ${this.error}`);
      else this.logger.warn(`failed: ${this.error}`);
      this.waitingForPlace = noRoom;
      // Not waited for here: whoever waits for this attempt (a new session, an added server)
      // hears of it within SERVER_CONNECT_TIMEOUT_MS; a restart and close() wait for it.
      this.giveUpClient();
      // A remote server that is not up yet (the gateway started first, say) is tried again, and
      // so is a stdio server being restarted, or one that started but was too slow to answer
      // (a first `npx -y` still downloading). One that never started (a bad command, a broken
      // handshake) is a configuration error: it stays failed.
      // A stdio server refused a place (STDIO_MAX_PROCESSES) gets one once another ends.
      if (this.isRemote || this.connectedAt !== undefined || noRoom || isSlowStart(error)) {
        this.scheduleReconnect();
      }
    }
    this.onToolsChanged(this);
  }

  /**
   * Connections made so far: a server that reconnected may list other resources and prompts,
   * so what it listed before is stale.
   */
  get connectionCount(): number {
    return this.connections;
  }

  /** What the server declared at the handshake; empty while it is not connected. */
  get capabilities(): UpstreamCapabilities {
    return (this.status === 'connected' && this.client?.capabilities) || {};
  }

  async callTool(
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions,
  ): Promise<ToolResult> {
    const client = this.liveClient();
    return this.redacting(client, () => client.callTool(tool, args, options));
  }

  /** Resources, prompts, completion and logging requests, passed through (the MCP door). */
  async forward(
    method: ForwardedMethod,
    params: McpObject,
    options: CallOptions,
  ): Promise<McpObject> {
    const client = this.liveClient();
    if (!client.forward) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_ERROR,
        `Server '${this.name}' cannot relay ${method}`,
      );
    }
    const forward = client.forward.bind(client);
    return this.redacting(client, () => forward(method, params, options));
  }

  /** Logs, resource updates and list changes of this server; returns the unsubscribe function. */
  onNotification(listener: (notification: UpstreamNotification) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  async close(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.pingTimer);
    const wasLive = this.status === 'connected' || this.status === 'connecting';
    this.status = 'closed';
    const client = this.client;
    this.client = undefined;
    // A handshake still under way is given up now, and waited for, so that the process it
    // started is gone when close() returns (not SERVER_CONNECT_TIMEOUT_MS later).
    this.connecting?.abort();
    await client?.close();
    await this.opening?.catch(() => undefined);
    await this.reaping;
    if (wasLive) this.onToolsChanged(this);
  }

  private liveClient(): UpstreamClient {
    if (this.status !== 'connected' || !this.client) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `Server '${this.name}' is ${this.status}${this.error ? `: ${this.error}` : ''}`,
      );
    }
    return this.client;
  }

  private async redacting<T>(client: UpstreamClient, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof GatewayError) {
        if (error.code === ErrorCode.UPSTREAM_UNAVAILABLE) this.checkReachable(client);
        // Details carry the server's own words too (an error's `data`, relayed on the MCP door).
        const details = redactDeep(error.details, this.secrets);
        throw new GatewayError(error.code, redact(error.message, this.secrets), details);
      }
      throw error;
    }
  }

  /**
   * A call could not reach the server (refused, reset): ask it at once instead of at the next
   * ping, so that while it is down its status says `failed`, the next calls get that at once,
   * and the reconnection starts now. One failed request alone does not make a server failed:
   * a ping that it answers leaves it connected.
   */
  private checkReachable(client: UpstreamClient): void {
    const ping = client.ping?.bind(client);
    if (this.checking || !ping || !this.isRemote) return;
    const stale = () => this.client !== client || this.status !== 'connected';
    this.checking = ping(Math.min(this.options.timeoutMs, PING_TIMEOUT_MAX_MS))
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stale()) this.markDead(`a call failed, then a ping: ${this.safeMessage(error)}`);
        },
      )
      .finally(() => (this.checking = undefined));
  }

  private relay(notification: UpstreamNotification): void {
    for (const listener of this.notificationListeners) listener(notification);
  }

  /**
   * One tools/list at a time, and at most one more after it, however many list_changed
   * notifications arrive meanwhile: a server sending a flood costs two lists, not one each.
   */
  private async refreshTools(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        if (this.status !== 'connected' || !this.client) return;
        try {
          // A re-listing gets SERVER_CONNECT_TIMEOUT_MS in all too, as the first one did.
          const before = this.tools;
          this.take(await this.client.listTools(this.options.maxTools, this.options.timeoutMs));
          // A server may say "changed" without end and list the same tools each time: only a
          // real change is logged and passed on, or each notice would reach every client.
          if (sameDefinition(this.tools, before)) continue;
          this.logger.log(`tool list changed: ${this.tools.length} tool(s)`);
          this.onToolsChanged(this);
        } catch (error) {
          this.logger.warn(`could not refresh tools: ${this.safeMessage(error)}`);
        }
      } while (this.refreshAgain);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private markDead(reason: string): void {
    // Once is enough: a lost connection may be reported by more than one of its requests.
    if (this.status === 'closed' || this.status === 'failed') return;
    this.status = 'failed';
    this.error = redact(reason, this.secrets);
    clearTimeout(this.pingTimer);
    // A dead process is gone already, a hung one is ended here; either way its calls in
    // flight fail now with the reason, and reconnect() waits until the whole process tree
    // is reaped before anything is started again.
    this.giveUpClient(this.error);
    this.onToolsChanged(this);
    // A remote server that restarted, or dropped our session, comes back by itself; a stdio
    // server that died or hung is restarted. Both back off, and stay `failed` with the reason
    // meanwhile, so a crash loop shows in the status and the log instead of being hidden.
    const uptime = Date.now() - (this.connectedAt ?? Date.now());
    if (uptime >= STABLE_UPTIME_MS) this.reconnectAttempts = 0;
    const delay = this.scheduleReconnect();
    const again = this.isRemote ? 'reconnecting' : 'restarting';
    this.logger.warn(`connection lost: ${this.error}; ${again} in ${delay / 1000} s`);
  }

  /** Closes the current client in the background; `reaping` says when it is done. */
  private giveUpClient(reason?: string): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    const previous = this.reaping;
    const reaping: Promise<void> = Promise.all([previous, client.close(reason)]).then(() => {
      if (this.reaping === reaping) this.reaping = undefined;
    });
    this.reaping = reaping;
  }

  private get isRemote(): boolean {
    return !isStdioSpec(this.spec);
  }

  /**
   * Pings a connected server now and then. A remote server with no event stream open, or any
   * server that hangs (sockets open, process alive), would otherwise show `connected` until a
   * call fails.
   */
  private schedulePing(): void {
    const interval = this.options.pingIntervalMs;
    const client = this.client;
    const ping = client?.ping?.bind(client);
    if (interval <= 0 || !ping) return;
    this.pingsMissed = 0;
    // Closed, lost or reconnected since: that connection's pings are over.
    const stale = () => this.client !== client || this.status !== 'connected';
    const next = () => (this.pingTimer = setTimeout(() => void once(), interval).unref());
    const once = async () => {
      if (stale()) return;
      try {
        await ping(Math.min(this.options.timeoutMs, interval, PING_TIMEOUT_MAX_MS));
        this.pingsMissed = 0;
        // A server may change a tool without saying so: its pin is checked at a listing. The
        // attempt counts as a listing, so one that fails waits the interval too, and a listing
        // still running is not asked for again.
        const relist = this.options.relistIntervalMs ?? 0;
        if (relist > 0 && !this.refreshing && Date.now() - this.listedAt >= relist) {
          this.listedAt = Date.now();
          void this.refreshTools();
        }
      } catch (error) {
        if (stale()) return;
        this.pingsMissed++;
        const reason = `no answer to ping: ${this.safeMessage(error)}`;
        if (this.pingsMissed >= PINGS_MISSED_BEFORE_FAILED) return this.markDead(reason);
        this.logger.warn(reason);
      }
      next();
    };
    clearTimeout(this.pingTimer);
    next();
  }

  /** Returns the delay, in ms, before the next attempt. */
  private scheduleReconnect(): number {
    clearTimeout(this.reconnectTimer);
    const delay = Math.min(RECONNECT_FIRST_MS * 2 ** this.reconnectAttempts, RECONNECT_MAX_MS);
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
    this.reconnectTimer.unref();
    return delay;
  }

  /** One more attempt; connect() schedules the next one if this one fails. */
  private async reconnect(): Promise<void> {
    if (this.status !== 'failed') return;
    await this.reaping;
    // Removed while the old process was being ended.
    if (this.status !== 'failed') return;
    // The status stays `failed`, with the reason, until this attempt succeeds: a server that
    // hangs would otherwise show `connecting` for the whole SERVER_CONNECT_TIMEOUT_MS of each
    // attempt, most of its outage, and /health would count it as not failed.
    const again = this.isRemote ? 'reconnecting' : 'restarting';
    const line = `${again} (attempt ${this.reconnectAttempts})`;
    if (this.waitingForPlace) this.logger.debug(line);
    else this.logger.log(line);
    await this.connect();
  }

  /**
   * A new listing's tools, and a warning for each tool left out that was not left out, for
   * the same reason, last time: a refresh does not repeat them.
   */
  private take(listing: ToolListing): void {
    this.listedAt = Date.now();
    const before = new Set(this.skippedTools.map(skipKey));
    this.skippedTools = listing.skipped.map((s) => ({
      tool: redact(s.tool, this.secrets),
      reason: redact(s.reason, this.secrets),
    }));
    for (const skipped of this.skippedTools) {
      if (before.has(skipKey(skipped))) continue;
      const tool = skipped.tool.startsWith('#') ? skipped.tool : `'${skipped.tool}'`;
      this.logger.warn(`tool ${tool} left out: ${skipped.reason}`);
    }
    const disabled = new Set(this.spec.disabledTools);
    this.tools = this.capped(listing.tools.filter((tool) => !disabled.has(tool.name)));
  }

  /** The first MAX_TOOLS_PER_SERVER tools, in the server's order; a longer list is logged. */
  private capped(tools: UpstreamTool[]): UpstreamTool[] {
    const max = this.options.maxTools;
    if (tools.length <= max) {
      this.cappedFrom = undefined;
      return tools;
    }
    if (this.cappedFrom !== tools.length) {
      this.logger.warn(
        `lists more than ${max} tools; the first ${max} are offered, the rest left out (MAX_TOOLS_PER_SERVER)`,
      );
    }
    this.cappedFrom = tools.length;
    return tools.slice(0, max);
  }

  private safeMessage(error: unknown): string {
    return redact(errorMessage(error), this.secrets);
  }
}

function skipKey(skipped: SkippedTool): string {
  return `${skipped.tool}\0${skipped.reason}`;
}

/**
 * The server ran but did not finish its handshake or tool listing within the connect budget:
 * slow, not broken. A later try may well succeed (npm keeps what the first one downloaded).
 */
function isSlowStart(error: unknown): boolean {
  // The gateway's own words only: a stdio failure ends with the server's stderr, whose
  // "timed out" (a database's, say) says nothing about the handshake.
  const own = errorMessage(error).split('; stderr:')[0];
  return /no MCP handshake within|timed out|took all/.test(own);
}
