import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import type { GatewayMcpSession } from './gateway-mcp-session.js';
import { GatewayMcpSessions } from './gateway-mcp-sessions.js';
import { hasNoBody, messageProblem, misplacedParams } from './json-rpc-envelope.js';
import { replyError, replyOpenFailure } from './json-rpc-reply.js';
import { limitOutbound, OutboundBudget } from './outbound-budget.js';
import { sessionScopeOf } from '../../common/http/session-id.decorator.js';
import { currentPrincipal } from '../../common/logging/request-context.js';
import { scopeMismatch } from './scope-mismatch.js';

export const SSE_PATH = '/sse';
export const MESSAGES_PATH = '/messages';

interface SseSession {
  transport: SSEServerTransport;
  session: GatewayMcpSession;
  /** The API key that opened the stream; only it may post to it. */
  owner: string | undefined;
}

/**
 * The older HTTP+SSE transport (MCP 2024-11-05) for clients that still use it: GET /sse
 * opens the stream and names the POST endpoint, POST /messages?sessionId=… carries the
 * client's messages. The stream is one long response, so a client stays on the replica
 * that holds it; the POSTs must reach that replica too (affinity on the sessionId query).
 */
@Injectable()
export class SseSessions implements OnApplicationShutdown {
  private readonly live = new Map<string, SseSession>();

  constructor(private readonly sessions: GatewayMcpSessions) {}

  async openStream(req: Request, res: Response): Promise<void> {
    let session: GatewayMcpSession;
    try {
      session = await this.sessions.open(sessionScopeOf(req));
    } catch (error) {
      return replyOpenFailure(res, error);
    }
    const transport = new SSEServerTransport(MESSAGES_PATH, res);
    // The SDK's transport writes every message, read or not: a stalled client must not
    // hold the gateway's memory.
    const budget = new OutboundBudget(`SSE session ${transport.sessionId.slice(0, 8)}…`);
    limitOutbound(transport, res, budget, () => res.destroy());
    res.once('close', () => budget.report());
    const entry = { transport, session, owner: currentPrincipal()?.keyId };
    this.live.set(transport.sessionId, entry);
    transport.onclose = () => {
      this.live.delete(transport.sessionId);
      void session.close();
    };
    // connect() starts the transport: headers, then the `endpoint` event.
    await session.server.connect(transport);
  }

  async postMessage(req: Request, res: Response): Promise<void> {
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    if (Array.isArray(req.query.sessionId)) {
      // Which one a proxy in front read is a guess: neither is taken.
      return replyError(
        res,
        400,
        McpErrorCode.InvalidRequest,
        'Bad Request: the sessionId query parameter is given more than once; give it once',
      );
    }
    if (id === '') {
      return replyError(
        res,
        400,
        McpErrorCode.InvalidRequest,
        'Bad Request: the sessionId query parameter is required (the endpoint event of GET /sse gives it)',
      );
    }
    const entry = this.live.get(id);
    if (!entry || entry.owner !== currentPrincipal()?.keyId) {
      return replyError(res, 404, -32001, 'Session not found');
    }
    const scope = sessionScopeOf(req);
    if (entry.session.scope !== scope) {
      const why = scopeMismatch('SSE', entry.session.scope, scope);
      return replyError(res, 400, McpErrorCode.InvalidRequest, why);
    }
    // The SDK transport answers these in plain text ("Invalid message: [object Object]").
    if (hasNoBody(req)) {
      return replyError(res, 400, McpErrorCode.ParseError, 'Parse error: the body is empty');
    }
    const problem = postedProblem(req.body);
    if (problem) {
      // Only a message refused can be one whose params alone are wrong: a valid one skips this.
      const misplaced = misplacedParams(req.body);
      if (!misplaced) return replyError(res, 400, McpErrorCode.InvalidRequest, problem);
      // Answered where its answer is awaited, on the stream, as the transport answers requests.
      const { id, message } = misplaced;
      const error = { code: McpErrorCode.InvalidParams, message };
      if (id !== undefined) {
        await entry.transport.send({ jsonrpc: '2.0', id, error }).catch(() => undefined);
      }
      res.writeHead(202).end('Accepted');
      return;
    }
    await entry.transport.handlePostMessage(req, res, req.body);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((e) => e.transport.close()));
    this.live.clear();
  }
}

/** Why a POST to /messages is not one message the transport takes; undefined when it is. */
function postedProblem(body: unknown): string | undefined {
  // The HTTP+SSE transport (MCP 2024-11-05) predates batches: one message per POST.
  if (Array.isArray(body)) {
    return 'Invalid Request: a batch (JSON array) is not accepted on /messages; send one message per POST';
  }
  const problem = messageProblem(body);
  return problem && `Invalid Request: ${problem}`;
}
