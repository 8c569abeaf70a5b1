import { BaseRpcContext } from '@nestjs/microservices';
import type { QueueRequest } from './queue-message.js';

/** What a @MessagePattern handler can read with @Ctx() besides its payload. */
export class QueueContext extends BaseRpcContext<[QueueRequest]> {
  getRequest(): QueueRequest {
    return this.args[0];
  }
}
