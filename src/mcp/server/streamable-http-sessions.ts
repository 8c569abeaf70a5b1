import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { currentPrincipal } from '../../common/logging/request-context.js';
import { GatewayConfig } from '../../config/gateway-config.js';
import type { GatewayMcpSession } from './gateway-mcp-session.js';
import { GatewayMcpSessions } from './gateway-mcp-sessions.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { NodeStreamableHttpTransport } from './node-streamable-http-transport.js';
import { misplacedParams, requestIdOf } from './json-rpc-envelope.js';
import { replayHandshake } from './replay-handshake.js';
import { replyError, replyOpenFailure } from './json-rpc-reply.js';
import { sessionScopeOf } from '../../common/http/session-id.decorator.js';
import { EndedMcpSessions, endedDigest, MCP_SESSION_MAX_AGE_MS } from './ended-mcp-sessions.js';
import {
  handshakeOf,
  sessionIdTooLong,
  mintSessionId,
  ownerTag,
  readSessionId,
} from './session-token.js';
import { scopeMismatch } from './scope-mismatch.js';

/** The gateway's own transport, or the SDK's with MCP_HTTP_TRANSPORT=sdk: same surface here. */
export type DoorTransport = NodeStreamableHttpTransport | StreamableHTTPServerTransport;

interface LiveSession {
  transport: DoorTransport;
  session: GatewayMcpSession;
  lastSeen: number;
  /** The API key that opened it: a session id seen by someone else (a log, a proxy) is no key. */
  owner: string | undefined;
}

// A session nobody used for this long is closed here; its id still works for its key (restore()).
const IDLE_MS = 30 * 60_000;
const SWEEP_MS = 60_000;

/**
 * MCP Streamable HTTP at /mcp, stateful per client (Mcp-Session-Id), because the protocol
 * needs a session for what a gateway relays: answers to sampling/elicitation requests,
 * the GET stream for list_changed, log levels and subscriptions.
 *
 * Replicas: the session id carries the client's handshake (session-token.ts), so a replica
 * that has never seen it rebuilds the session from the id and the request's X-Session-ID
 * instead of answering 404. Plain calls work on any replica. What lives in one process
 * (a pending sampling/elicitation answer, an open GET stream, subscriptions) needs the
 * load balancer to keep a session on one replica (affinity on Mcp-Session-Id).
 */
@Injectable()
export class StreamableHttpSessions implements OnApplicationShutdown {
  private readonly logger = new Logger('McpHttp');
  private readonly live = new Map<string, LiveSession>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly transportKind: GatewayConfig['mcpHttpTransport'];
  private readonly restoring = new Map<string, Promise<LiveSession | undefined>>();
  /**
   * Sessions whose client's DELETE this process is handling: the announcement of their end
   * comes back to this process too, possibly before the DELETE reached the transport, and
   * closing it then would answer that DELETE 404.
   */
  private readonly ending = new Set<string>();
  private readonly maxSessions: number;
  private readonly maxPerKey: number;

  constructor(
    private readonly sessions: GatewayMcpSessions,
    private readonly ended: EndedMcpSessions,
    config: GatewayConfig,
  ) {
    this.transportKind = config.mcpHttpTransport;
    this.maxSessions = config.mcpServer.maxSessions;
    this.maxPerKey = config.mcpServer.maxSessionsPerKey;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS).unref();
    // Ended by its client on another replica: the copy open here ends too.
    ended.onEnded((digest) => {
      for (const [id, live] of this.live) {
        if (endedDigest(id) === digest && !this.ending.has(id)) void live.transport.close();
      }
    });
  }

  get size(): number {
    return this.live.size;
  }

  async handle(req: Request, res: Response): Promise<void> {
    // Host and Origin are checked for every route (hostOriginMiddleware).
    if (!['GET', 'POST', 'DELETE'].includes(req.method)) {
      res.setHeader('Allow', 'GET, POST, DELETE');
      return replyError(res, 405, McpErrorCode.InvalidRequest, `Method ${req.method} not allowed`);
    }
    const scope = sessionScopeOf(req);
    const id = req.header('mcp-session-id');
    if (id === undefined) {
      const handshake = req.method === 'POST' ? handshakeOf(req.body) : undefined;
      if (!handshake) {
        // An initialize whose params are no object is readable: its own id gets the answer.
        const misplaced = req.method === 'POST' ? misplacedParams(req.body) : undefined;
        if (misplaced?.method === 'initialize' && misplaced.id !== undefined) {
          const { message, id: requestId } = misplaced;
          return replyError(res, 400, McpErrorCode.InvalidParams, message, undefined, requestId);
        }
        return replyError(res, 400, McpErrorCode.InvalidRequest, withoutSessionProblem(req));
      }
      const keyId = currentPrincipal()?.keyId;
      // Minted here, once: what is checked is the id handed out.
      const sessionId = mintSessionId(handshake, keyId);
      const tooLong = sessionIdTooLong(sessionId);
      if (tooLong) {
        const requestId = requestIdOf(req.body);
        return replyError(res, 400, McpErrorCode.InvalidParams, tooLong, undefined, requestId);
      }
      return this.open(req, res, scope, () => sessionId);
    }
    let live = this.live.get(id);
    if (!live) {
      try {
        live = await this.restore(id, scope);
      } catch (error) {
        return replyOpenFailure(res, error);
      }
    }
    // Another key's session is answered as one that does not exist.
    if (!live || live.owner !== currentPrincipal()?.keyId) {
      return replyError(res, 404, -32001, 'Session not found');
    }
    if (live.session.scope !== scope) {
      return replyError(
        res,
        400,
        McpErrorCode.InvalidRequest,
        scopeMismatch('MCP', live.session.scope, scope),
      );
    }
    live.lastSeen = Date.now();
    if (req.method !== 'DELETE') return live.transport.handleRequest(req, res, req.body);
    // Ended before it is closed, so that no replica can take the id over in between.
    this.ending.add(id);
    try {
      await this.markEnded(id);
      await live.transport.handleRequest(req, res, req.body);
    } finally {
      this.ending.delete(id);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.live.values()].map((l) => l.transport.close()));
    this.live.clear();
  }

  private async open(
    req: Request,
    res: Response,
    scope: string | undefined,
    id: () => string,
  ): Promise<void> {
    let session: GatewayMcpSession;
    try {
      session = await this.sessions.open(scope);
    } catch (error) {
      return replyOpenFailure(res, error);
    }
    const transport = await this.connect(session, id);
    await transport.handleRequest(req, res, req.body);
    // The transport refused the initialize request: nothing refers to this session.
    if (transport.sessionId === undefined) await session.close();
  }

  /** Takes over a session opened elsewhere (another replica, or before a restart or idle close). */
  /**
   * One rebuild per id at a time: an agent's parallel first calls on this replica share it
   * rather than each build a session of which only one would be kept.
   */
  private restore(id: string, scope: string | undefined): Promise<LiveSession | undefined> {
    let pending = this.restoring.get(id);
    if (!pending) {
      pending = this.rebuild(id, scope).finally(() => this.restoring.delete(id));
      this.restoring.set(id, pending);
    }
    return pending;
  }

  private async rebuild(id: string, scope: string | undefined): Promise<LiveSession | undefined> {
    const token = readSessionId(id);
    // Only for the key that opened it, while young enough, and never once its client ended it.
    if (!token || token.owner !== ownerTag(currentPrincipal()?.keyId)) return undefined;
    if (Date.now() - token.issuedAt > MCP_SESSION_MAX_AGE_MS) return undefined;
    if (await this.ended.has(id)) return undefined;
    const handshake = token.handshake;
    const session = await this.sessions.open(scope);
    const transport = await this.connect(session, () => id);
    try {
      await replayHandshake(transport, id, handshake);
    } catch (error) {
      await transport.close();
      throw error;
    }
    const live = this.live.get(id);
    if (live?.transport !== transport) {
      // The replayed handshake was refused (a forged id, say): nothing may keep what was built.
      await transport.close();
      return undefined;
    }
    session.markInitialized();
    this.logger.debug(`restored MCP session ${id.slice(0, 8)}…`);
    return live;
  }

  private async markEnded(id: string): Promise<void> {
    const token = readSessionId(id);
    if (token) await this.ended.add(id, token.issuedAt);
  }

  private async connect(session: GatewayMcpSession, id: () => string): Promise<DoorTransport> {
    const options = {
      sessionIdGenerator: id,
      onsessioninitialized: (sessionId: string) => {
        const owner = currentPrincipal()?.keyId;
        this.live.set(sessionId, { transport, session, lastSeen: Date.now(), owner });
        this.keepWithinLimits(owner);
      },
    };
    const transport: DoorTransport =
      this.transportKind === 'sdk'
        ? new StreamableHTTPServerTransport(options)
        : new NodeStreamableHttpTransport(options);
    // Set before connect(): the SDK chains its own close handling after ours.
    transport.onclose = () => {
      const sessionId = transport.sessionId;
      if (sessionId !== undefined && this.live.get(sessionId)?.transport === transport) {
        this.live.delete(sessionId);
      }
      void session.close();
    };
    await session.server.connect(transport);
    return transport;
  }

  /**
   * Memory stays bounded however many sessions are opened: past a limit, the session used
   * longest ago is closed. Its id still works for its key (restore()), so a client that was
   * only calling tools does not notice; one with an open GET stream sees it end.
   */
  private keepWithinLimits(owner: string | undefined): void {
    const ofOwner = [...this.live.values()].filter((l) => l.owner === owner);
    if (ofOwner.length > this.maxPerKey) void leastRecentlyUsed(ofOwner)?.transport.close();
    if (this.live.size > this.maxSessions) {
      void leastRecentlyUsed([...this.live.values()])?.transport.close();
    }
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - IDLE_MS;
    const idle = [...this.live.values()].filter((l) => l.lastSeen < cutoff);
    await Promise.allSettled(idle.map((l) => l.transport.close()));
  }
}

function leastRecentlyUsed(sessions: LiveSession[]): LiveSession | undefined {
  return sessions.reduce<LiveSession | undefined>(
    (oldest, l) => (!oldest || l.lastSeen < oldest.lastSeen ? l : oldest),
    undefined,
  );
}

/** Why a request without Mcp-Session-Id cannot open a session, in the client's terms. */
function withoutSessionProblem(req: Request): string {
  const body: unknown = req.body;
  const messages = Array.isArray(body) ? body : [body];
  const saysInitialize = messages.some(
    (m) =>
      typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize',
  );
  if (req.method !== 'POST' || !saysInitialize) {
    return 'Bad Request: Mcp-Session-Id header is required (open a session with initialize first)';
  }
  return Array.isArray(body)
    ? 'Bad Request: initialize must be sent alone, not in a batch'
    : 'Bad Request: initialize needs params with a string protocolVersion';
}
