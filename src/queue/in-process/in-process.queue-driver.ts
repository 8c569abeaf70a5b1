import type { QueueSettings } from '../../config/gateway-config.js';
import { QueueDriver, type QueueHandler, type QueueStats } from '../queue-driver.js';
import type { QueueResponse } from '../queue-message.js';
import { Semaphore } from '../semaphore.js';

export type InProcessOutcome =
  { kind: 'answered'; response: QueueResponse } | { kind: 'dead'; reason: string };

export interface InProcessDeadLetter {
  reason: string;
  payload: string | undefined;
}

/**
 * The queue without Redis: requests submitted in this process reach the same handlers with
 * the same rules (idempotency for QUEUE_IDEMPOTENCY_TTL_SECONDS, the concurrency bound,
 * deadlines, dead letters). Nothing survives a restart. Used by unit tests and embedders.
 */
export class InProcessQueueDriver extends QueueDriver {
  readonly deadLetters: InProcessDeadLetter[] = [];
  private handler?: QueueHandler;
  private readonly slots: Semaphore;
  private readonly answered = new Map<string, { response: QueueResponse; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<QueueResponse>>();

  constructor(private readonly settings: QueueSettings) {
    super();
    this.slots = new Semaphore(settings.concurrency);
  }

  start(handler: QueueHandler): Promise<void> {
    this.handler = handler;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.handler = undefined;
    await Promise.allSettled(this.inFlight.values());
  }

  stats(): Promise<QueueStats> {
    return Promise.resolve({
      driver: 'memory',
      pending: this.inFlight.size,
      waiting: Math.max(0, this.inFlight.size - this.slots.running),
      deadLetters: this.deadLetters.length,
      running: this.slots.running,
    });
  }

  /** Puts one entry (its `payload` field) on the queue and resolves with what became of it. */
  async submit(payload: string | undefined): Promise<InProcessOutcome> {
    if (!this.handler) throw new Error('the in-process queue is not started');
    const entry = this.handler.accept(payload);
    if (entry.kind === 'poison') {
      this.deadLetters.push({ reason: entry.reason, payload });
      return { kind: 'dead', reason: entry.reason };
    }
    const done = this.answered.get(entry.id);
    if (done && done.expiresAt > Date.now()) return { kind: 'answered', response: done.response };
    // A duplicate of a request still running waits for that run instead of starting another.
    let running = this.inFlight.get(entry.id);
    if (!running) {
      running = this.run(entry.id, () => entry.answer());
      this.inFlight.set(entry.id, running);
    }
    return { kind: 'answered', response: await running };
  }

  private async run(id: string, answer: () => Promise<QueueResponse>): Promise<QueueResponse> {
    await this.slots.acquire();
    try {
      const response = await answer();
      const expiresAt = Date.now() + this.settings.idempotencyTtlSeconds * 1000;
      this.answered.set(id, { response, expiresAt });
      this.forgetExpired();
      return response;
    } finally {
      this.inFlight.delete(id);
      this.slots.release();
    }
  }

  /** Keeps the idempotency map bounded by the TTL, checked every thousand answers. */
  private forgetExpired(): void {
    if (this.answered.size % 1000 !== 0) return;
    const now = Date.now();
    for (const [id, record] of this.answered) if (record.expiresAt <= now) this.answered.delete(id);
  }
}
