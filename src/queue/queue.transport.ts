import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { requestContext } from '../common/logging/request-context.js';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ServersService } from '../servers/servers.service.js';
import { QueueContext } from './queue.context.js';
import { QueueDriver, type AcceptedEntry, type QueueHandler } from './queue-driver.js';
import type { QueueRequest, QueueResponse } from './queue-message.js';
import { parseQueuePayload } from './queue-payload.parser.js';
import { logQueueRequest } from './queue-request-log.js';
import { errorResponse, okResponse } from './queue-response.js';

/**
 * The Nest custom transport of the queue door: the driver brings entries, this turns each
 * payload into a call of the @MessagePattern handler for its `op` and the outcome into a
 * response. Connected with app.connectMicroservice({ strategy }) by createGatewayApp.
 */
@Injectable()
export class QueueTransport
  extends Server
  implements CustomTransportStrategy, QueueHandler, OnApplicationBootstrap
{
  private markBootstrapped!: () => void;
  private readonly bootstrapped = new Promise<void>((resolve) => {
    this.markBootstrapped = resolve;
  });

  constructor(
    private readonly driver: QueueDriver,
    private readonly config: GatewayConfig,
    private readonly servers: ServersService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.markBootstrapped();
  }

  listen(callback: (error?: unknown) => void): void {
    this.driver.start(this).then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    await this.driver.stop();
  }

  /** The transport emits no status events of its own; the driver logs its connection state. */
  on(): void {}

  unwrap<T>(): T {
    return this.driver as T;
  }

  accept(payload: string | undefined): AcceptedEntry {
    const startedAt = performance.now();
    const parsed = parseQueuePayload(payload, this.config.maxBodyBytes);
    switch (parsed.kind) {
      case 'poison':
        return parsed;
      case 'invalid': {
        const code = parsed.tooLarge ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.INVALID_REQUEST;
        const error = new GatewayError(code, parsed.message, parsed.details);
        return {
          kind: 'request',
          id: parsed.id,
          answer: () => Promise.resolve(logged({}, errorResponse(parsed.id, error, startedAt))),
          abandon: (reason, code) => abandoned(parsed.id, reason, startedAt, code),
        };
      }
      case 'request': {
        const { request } = parsed;
        return {
          kind: 'request',
          id: request.id,
          answer: async () => logged(request, await this.run(request)),
          abandon: (reason, code) => abandoned(request.id, reason, startedAt, code),
        };
      }
    }
  }

  private async run(request: QueueRequest): Promise<QueueResponse> {
    const startedAt = performance.now();
    // Entries waiting in the stream when the gateway starts must not meet an empty catalog.
    await this.bootstrapped;
    await this.servers.waitForInitialConnect();
    const late = request.deadline_ms === undefined ? -1 : Date.now() - request.deadline_ms;
    if (late >= 0) {
      const error = new GatewayError(
        ErrorCode.UPSTREAM_TIMEOUT,
        `Deadline passed ${late} ms before the request could run; it was not run`,
      );
      return errorResponse(request.id, error, startedAt);
    }
    const handler = this.getHandlerByPattern(request.op);
    if (!handler) {
      const error = new Error(`no @MessagePattern handler for op "${request.op}"`);
      return errorResponse(request.id, error, startedAt);
    }
    try {
      // The request's own id is its request id: in every log line and in the upstream call.
      const produced: unknown = await requestContext.run({ requestId: `queue:${request.id}` }, () =>
        handler(request, new QueueContext([request])),
      );
      const result: unknown = await lastValueFrom(this.transformToObservable(produced), {
        defaultValue: null,
      });
      return okResponse(request.id, result, startedAt);
    } catch (error) {
      return errorResponse(request.id, error, startedAt);
    }
  }
}

function logged(request: Partial<QueueRequest>, response: QueueResponse): QueueResponse {
  logQueueRequest(request, response);
  return response;
}

function abandoned(
  id: string,
  reason: string,
  startedAt: number,
  code = ErrorCode.INTERNAL,
): QueueResponse {
  return errorResponse(id, new GatewayError(code, reason), startedAt);
}
