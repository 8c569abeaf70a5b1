import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../common/errors/error-code.js';
import { errorBody } from '../common/http/error-body.js';
import { isLongLivedStream } from '../common/http/request-done.js';
import type { RequestWithId } from '../common/http/request-id.js';
import { GatewayConfig } from '../config/gateway-config.js';

/**
 * Graceful shutdown: on SIGTERM readiness turns false at once, requests in flight get up to
 * SHUTDOWN_GRACE_MS to finish, and only then do connections and process trees close.
 */
@Injectable()
export class DrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);
  private inFlight = 0;
  /** The answers still owed, so that those the grace period cuts off get one. */
  private readonly open = new Set<Response>();
  private draining = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly config: GatewayConfig) {}

  get isDraining(): boolean {
    return this.draining;
  }

  get activeRequests(): number {
    return this.inFlight;
  }

  /** Readiness goes false now; nothing else changes until the app closes. */
  begin(): void {
    if (!this.draining) this.logger.log('draining: readiness is now false');
    this.draining = true;
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    // A long-lived stream never "finishes": waiting on it would always use the whole grace.
    if (isLongLivedStream(req)) return next();
    this.inFlight += 1;
    this.open.add(res);
    res.once('close', () => {
      this.open.delete(res);
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idleWaiters.forEach((wake) => wake());
    });
    next();
  };

  async beforeApplicationShutdown(): Promise<void> {
    this.begin();
    if (this.inFlight === 0) return;
    const grace = this.config.shutdownGraceMs;
    this.logger.log(`waiting up to ${grace} ms for ${this.inFlight} request(s) in flight`);
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
    if (this.inFlight > 0) {
      this.logger.warn(`grace period over with ${this.inFlight} request(s) still in flight`);
      this.answerCutOff(grace);
    }
  }

  /** A 503 saying what happened, rather than a reset connection the caller must guess at. */
  private answerCutOff(grace: number): void {
    for (const res of this.open) {
      if (res.headersSent) {
        res.end();
        continue;
      }
      const requestId = (res.req as RequestWithId | undefined)?.requestId;
      res
        .status(503)
        .setHeader('connection', 'close')
        .json(
          errorBody(
            503,
            `The gateway is shutting down and this request did not finish within SHUTDOWN_GRACE_MS (${grace} ms); it may have run in part: check before retrying on another replica`,
            { code: ErrorCode.NOT_READY, requestId },
          ),
        );
    }
  }
}
