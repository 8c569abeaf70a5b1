import { Injectable } from '@nestjs/common';
import { QueueDriver, type QueueStats } from './queue-driver.js';

/** The queue's hooks for health and metrics. */
@Injectable()
export class QueueService {
  constructor(private readonly driver: QueueDriver) {}

  /** Pending (delivered, unanswered), waiting, dead-letter and running counts. */
  stats(): Promise<QueueStats> {
    return this.driver.stats();
  }
}
