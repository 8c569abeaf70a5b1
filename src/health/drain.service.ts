import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../common/errors/error-code.js';
import { errorBody } from '../common/http/error-body.js';
import { isLongLivedStream } from '../common/http/request-done.js';
import { answerCutOff } from '../common/http/cut-off-answer.js';
import { answerEarly } from '../common/http/early-errors.js';
import type { RequestWithId } from '../common/http/request-id.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { InFlightSet } from '../common/in-flight-set.js';

/**
 * Graceful shutdown: on SIGTERM readiness turns false at once, requests in flight get up to
 * SHUTDOWN_GRACE_MS to finish, and only then do connections and process trees close.
 */
@Injectable()
export class DrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);
  /**
   * The answers still owed, so that those the grace period cuts off get one. Every request
   * joins and leaves it: not a Set, which would keep each finished call alive until a full GC.
   */
  private readonly open = new InFlightSet<Response>();
  private draining = false;
  /**
   * Set when the drain proper begins (after SHUTDOWN_DELAY_MS): from then on a new request
   * is refused at once, so that it is retried elsewhere rather than accepted, run, and cut
   * off by the grace period with "it may have run in part".
   */
  private refusing = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly config: GatewayConfig) {}

  get isDraining(): boolean {
    return this.draining;
  }

  get activeRequests(): number {
    return this.open.size;
  }

  /** Readiness goes false now; nothing else changes until the app closes. */
  begin(): void {
    if (!this.draining) this.logger.log('draining: readiness is now false');
    this.draining = true;
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    // The probes still answer (readiness says why it is false; liveness stays true), and so
    // does an MCP session: its next message may be what a call in flight waits for (the
    // answer to a sampling request the gateway relayed, a cancellation) or its end (DELETE).
    if (this.refusing && !PROBES.test(req.path) && !ofMcpSession(req)) return refuseNew(req, res);
    // A long-lived stream never "finishes": waiting on it would always use the whole grace.
    if (isLongLivedStream(req)) return next();
    const answered = this.open.add(res);
    res.once('close', () => {
      answered();
      if (this.open.size === 0) this.idleWaiters.forEach((wake) => wake());
    });
    next();
  };

  async beforeApplicationShutdown(): Promise<void> {
    this.begin();
    this.refusing = true;
    if (this.open.size === 0) return;
    const grace = this.config.shutdownGraceMs;
    this.logger.log(`waiting up to ${grace} ms for ${this.open.size} request(s) in flight`);
    let timer: NodeJS.Timeout | undefined;
    let wake: () => void = () => undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        wake = resolve;
        this.idleWaiters.add(wake);
      }),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, grace))),
    ]);
    clearTimeout(timer);
    this.idleWaiters.delete(wake);
    if (this.open.size > 0) {
      this.logger.warn(`grace period over with ${this.open.size} request(s) still in flight`);
      this.answerCutOff(grace);
    }
  }

  /** A 503 saying what happened, rather than a reset connection the caller must guess at. */
  private answerCutOff(grace: number): void {
    const message = `The gateway is shutting down and this request did not finish within SHUTDOWN_GRACE_MS (${grace} ms); it may have run in part: check before retrying on another replica`;
    for (const res of this.open) {
      if (res.headersSent) {
        // A stream already answering (MCP's SSE): its owner answers each request it owes.
        if (!answerCutOff(res, message)) res.end();
        continue;
      }
      const requestId = (res.req as RequestWithId | undefined)?.requestId;
      res
        .status(503)
        .setHeader('connection', 'close')
        .json(errorBody(503, message, { code: ErrorCode.NOT_READY, requestId }));
    }
  }
}

const PROBES = /^\/health(\/|$)/;

/** A message for an MCP session already open: streamable HTTP's header, legacy SSE's query. */
function ofMcpSession(req: Request): boolean {
  if (req.path === '/mcp') return req.headers['mcp-session-id'] !== undefined;
  return req.path === '/messages' && typeof req.query.sessionId === 'string';
}

/** A request that arrived once the drain began: nothing of it ran, so it is safe to retry. */
function refuseNew(req: Request, res: Response): void {
  res.setHeader('connection', 'close');
  res.setHeader('retry-after', '1');
  const error = new GatewayError(
    ErrorCode.NOT_READY,
    'The gateway is shutting down and takes no new requests; nothing of this one ran, so retry it (on another replica)',
  );
  answerEarly(error, req, res);
}
