import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { errorMessage } from '../../common/errors/error-message.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import type { RedisConnections } from '../../common/redis/redis-connections.js';
import type { QueueSettings } from '../../config/gateway-config.js';
import { DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REQUEST_STREAM } from '../../config/env.schema.js';
import { QueueDriver, type QueueHandler, type QueueStats } from '../queue-driver.js';
import { Semaphore } from '../semaphore.js';
import { CONSUMER_GROUP, ConsumerGroup } from './consumer-group.js';
import type { StreamEntry } from './stream-replies.js';

/** How long one XREADGROUP blocks; stop() does not wait for it (it closes the reader). */
const READ_BLOCK_MS = 5000;
const RETRY_DELAY_MS = 1000;
/** A duplicate of a request running elsewhere checks this often for the stored answer. */
const DUPLICATE_POLL_MS = 250;
/** How often consumers gone for good are looked for, and how long one must have been silent. */
const FORGET_CONSUMERS_EVERY_MS = 5 * 60_000;
const FORGET_CONSUMER_IDLE_MS = 60 * 60_000;

interface InFlight {
  /** Set once this entry holds the running mark of its request id. */
  requestId?: string;
  settled: Promise<void>;
}

/**
 * The queue on Redis Streams, at-least-once: an entry is acknowledged in the same script that
 * writes its response; entries pending longer than the visibility timeout are reclaimed; an id
 * answered already gets its stored answer instead of a second run; entries that cannot be
 * answered go to the dead-letter stream. Each process is one consumer of the group.
 */
export class RedisStreamsQueueDriver extends QueueDriver {
  private readonly logger = new Logger('Queue');
  private readonly group: ConsumerGroup;
  private readonly slots: Semaphore;
  private readonly inFlight = new Map<string, InFlight>();
  /** Per request id that duplicates wait on: until it runs nowhere (originalSettled). */
  private readonly waits = new Map<string, Promise<void>>();
  private handler?: QueueHandler;
  private stopping = false;
  /**
   * Set when the shutdown drain gave up: what the requests still running answer from then on
   * (the servers are closed under them) is not published, so another consumer runs them.
   */
  private abandoned = false;
  private stopped?: Promise<void>;
  private reading?: Promise<void>;
  private maintenanceTimer?: NodeJS.Timeout;
  private maintaining = false;
  private maintenanceFailing = false;
  private reclaimCursor = '0-0';
  private consumersForgottenAt = 0;

  constructor(
    private readonly redis: RedisConnections,
    private readonly settings: QueueSettings,
  ) {
    super();
    const commands = redis.get('queue');
    const reader = redis.get('queue:reader');
    if (!commands || !reader) throw new Error('The Redis queue driver needs Redis (REDIS_URL)');
    const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const keys = {
      done: (id: string) => redis.key('queue', settings.requestStream, 'done', id),
      running: (id: string) => redis.key('queue', settings.requestStream, 'running', id),
    };
    this.group = new ConsumerGroup({ commands, reader }, settings, keys, consumer);
    this.slots = new Semaphore(settings.concurrency);
  }

  get consumer(): string {
    return this.group.consumer;
  }

  /** A prefix of its own, yet the request stream every gateway reads by default. */
  get sharesDefaultStream(): boolean {
    const prefix = this.redis.settings?.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    return (
      prefix !== DEFAULT_REDIS_KEY_PREFIX && this.settings.requestStream === DEFAULT_REQUEST_STREAM
    );
  }

  start(handler: QueueHandler): Promise<void> {
    this.handler = handler;
    this.reading = this.readForever();
    const every = Math.max(200, Math.floor(this.settings.visibilityTimeoutMs / 3));
    this.maintenanceTimer = setInterval(() => void this.maintain(), every);
    this.logger.log(
      `Consuming ${this.settings.requestStream} as ${this.consumer} (group ${CONSUMER_GROUP}), answering on ${this.settings.responseStream}`,
    );
    // A namespace of its own for everything but the queue: the stream names are a public
    // contract, so another deployment on this Redis (staging, say) takes the same work.
    if (this.sharesDefaultStream) {
      this.logger.warn(
        `REDIS_KEY_PREFIX sets this gateway's own namespace, but it consumes the default request stream '${DEFAULT_REQUEST_STREAM}' (group ${CONSUMER_GROUP}), as every gateway on this Redis does by default: set QUEUE_REQUEST_STREAM and QUEUE_RESPONSE_STREAM to keep its work apart, or QUEUE_ENABLED=false`,
      );
    }
    return Promise.resolve();
  }

  /** Idempotent: a second caller (the app closing after a SIGTERM) waits for the same stop. */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    // The maintenance timer keeps running entries claimed through the drain (it reclaims
    // nothing more once stopping), so none is taken over while it may still be answered here.
    this.stopping = true;
    this.slots.wakeAll();
    // Closing the reader ends a blocked XREADGROUP at once; entries it had just delivered
    // stay pending and are reclaimed by another consumer.
    this.redis.get('queue:reader')?.disconnect();
    // The loop may be waiting on Redis (its connection waits out outages): not for long.
    if (this.reading) await within(this.reading, 1000);
    const settled = [...this.inFlight.values()].map((f) => f.settled);
    // The HTTP requests in flight get the same grace, at the same time (main.ts).
    if (!(await within(Promise.allSettled(settled), this.settings.drainMs))) {
      this.abandoned = true;
      this.logger.warn(
        `${this.inFlight.size} request(s) still running after the shutdown grace; left pending, another consumer will run them`,
      );
    }
    clearInterval(this.maintenanceTimer);
    await within(
      this.group.leave().catch(() => undefined),
      1000,
    );
  }

  async stats(): Promise<QueueStats> {
    return { driver: 'redis', ...(await this.group.counts()), running: this.slots.running };
  }

  private async readForever(): Promise<void> {
    let failing = false;
    await this.group.ensure().catch((error: unknown) => {
      failing = true;
      this.logger.warn(`Cannot create the consumer group yet: ${errorMessage(error)}`);
    });
    while (!this.stopping) {
      await this.slots.whenFree();
      if (this.stopping) break;
      try {
        const entries = await this.group.readNew(this.slots.free, READ_BLOCK_MS);
        if (failing) this.logger.log(`Reading ${this.settings.requestStream} again`);
        failing = false;
        for (const entry of entries) this.dispatch(entry, 1);
      } catch (error) {
        if (this.stopping) break;
        const message = errorMessage(error);
        if (message.startsWith('NOGROUP')) {
          // Redis lost the group (restarted without persistence, or the stream was deleted).
          this.logger.warn(`Consumer group missing on ${this.settings.requestStream}: creating it`);
          await this.group.ensure().catch(() => sleep(RETRY_DELAY_MS));
          continue;
        }
        if (!failing) this.logger.warn(`Reading ${this.settings.requestStream} failed: ${message}`);
        failing = true;
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  private dispatch(entry: StreamEntry, deliveries: number): void {
    // A reclaim can return an entry this process is still working on (a keep-alive was late).
    if (this.inFlight.has(entry.id)) return;
    const flight: InFlight = { settled: Promise.resolve() };
    flight.settled = this.settle(entry, deliveries, flight)
      .catch((error: unknown) => {
        // Left pending: it is reclaimed after the visibility timeout and tried again.
        this.logger.warn(`Entry ${entry.id} not settled: ${errorMessage(error)}`);
      })
      .finally(() => this.inFlight.delete(entry.id));
    this.inFlight.set(entry.id, flight);
  }

  /** Answers, replays or dead-letters one entry, holding a concurrency slot while it runs. */
  private async settle(entry: StreamEntry, deliveries: number, flight: InFlight): Promise<void> {
    await this.slots.acquire();
    let holdsSlot = true;
    try {
      if (this.stopping || !this.handler) return;
      const payloads = entry.repeated?.payload;
      if (payloads) {
        // Each would be a request; running the last alone would lose the others unanswered.
        // None runs: each with a usable id is answered, and the entry kept as a dead letter.
        const reason = `the entry gives "payload" ${payloads.length} times; send one request per entry`;
        await this.deadLetter(entry, reason, deliveries, this.refusals(payloads, reason));
        return;
      }
      const accepted = this.handler.accept(entry.fields.payload);
      if (accepted.kind === 'poison') {
        await this.deadLetter(entry, accepted.reason, deliveries);
        return;
      }
      let begun = await this.group.begin(accepted.id, entry.id);
      // Holding the running mark from here: maintain() keeps it, so no duplicate takes over.
      if (begun.kind === 'run') flight.requestId = accepted.id;
      if (begun.kind === 'busy') {
        // A duplicate of a request running elsewhere waits for that answer without a slot, so
        // duplicates cannot hold up other requests; its entry stays claimed (maintain()) and
        // uses up no delivery. If the original's consumer dies, the running mark expires and
        // this entry runs the request itself.
        this.slots.release();
        holdsSlot = false;
        const after = await this.whenOriginalSettles(accepted.id, entry.id);
        // Stopping: left pending for another consumer.
        if (!after) return;
        begun = after;
        if (begun.kind === 'run') {
          flight.requestId = accepted.id;
          await this.slots.acquire();
          holdsSlot = true;
          if (this.stopping) return;
        }
      }
      if (begun.kind === 'done') {
        await this.group.publish(entry.id, accepted.id, begun.payload, false);
        return;
      }
      if (deliveries > this.settings.maxAttempts) {
        // Each earlier delivery ended with its consumer dying or losing Redis mid-request.
        const reason = `Gave up after ${deliveries - 1} deliveries without an answer (QUEUE_MAX_ATTEMPTS); the request is in ${this.settings.deadLetterStream}`;
        const answer = JSON.stringify(accepted.abandon(reason));
        await this.deadLetter(entry, reason, deliveries, [
          { requestId: accepted.id, payload: answer },
        ]);
        return;
      }
      const response = await accepted.answer();
      if (this.abandoned) {
        this.logger.warn(`Entry ${entry.id} finished after the shutdown grace: not answered here`);
        return;
      }
      await this.group.publish(entry.id, accepted.id, JSON.stringify(response), true);
    } finally {
      if (holdsSlot) this.slots.release();
    }
  }

  /** Waits while another entry runs the request id: its answer, the mark to run it, or stop. */
  private async whenOriginalSettles(requestId: string, entryId: string) {
    while (!this.stopping) {
      await this.originalSettled(requestId);
      // Stopping: no mark taken that nobody would run.
      if (this.stopping) break;
      try {
        const begun = await this.group.begin(requestId, entryId);
        if (begun.kind !== 'busy') return begun;
      } catch {
        // Redis away for a moment: the entry stays claimed (maintain()); ask again.
        await sleep(RETRY_DELAY_MS);
      }
    }
    return undefined;
  }

  /**
   * Resolves once the request id runs nowhere any more (answered, or its running mark expired
   * with its consumer) or this process stops: one poll per id, however many duplicates wait.
   */
  private originalSettled(requestId: string): Promise<void> {
    let wait = this.waits.get(requestId);
    if (!wait) {
      wait = this.pollWhileRunning(requestId).finally(() => this.waits.delete(requestId));
      this.waits.set(requestId, wait);
    }
    return wait;
  }

  private async pollWhileRunning(requestId: string): Promise<void> {
    while (!this.stopping) {
      await sleep(DUPLICATE_POLL_MS);
      try {
        if (!(await this.group.isRunning(requestId))) return;
      } catch {
        // Redis away: keep waiting, the original may well be running still.
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  private async deadLetter(
    entry: StreamEntry,
    reason: string,
    deliveries: number,
    answers: { requestId: string; payload: string }[] = [],
  ): Promise<void> {
    if (await this.group.deadLetter(entry, reason, deliveries, answers)) {
      this.logger.warn(`Entry ${entry.id} moved to ${this.settings.deadLetterStream}: ${reason}`);
    }
  }

  /** An INVALID_REQUEST answer for each distinct usable request id among `payloads`. */
  private refusals(payloads: string[], reason: string): { requestId: string; payload: string }[] {
    const answers = new Map<string, string>();
    for (const payload of payloads) {
      const accepted = this.handler!.accept(payload);
      if (accepted.kind !== 'request' || answers.has(accepted.id)) continue;
      const refused = accepted.abandon(`Not run: ${reason}`, ErrorCode.INVALID_REQUEST);
      answers.set(accepted.id, JSON.stringify(refused));
    }
    return [...answers].map(([requestId, payload]) => ({ requestId, payload }));
  }

  /** Keeps running entries ours, then takes over entries abandoned by dead consumers. */
  private async maintain(): Promise<void> {
    if (this.maintaining || this.abandoned) return;
    this.maintaining = true;
    try {
      await Promise.all(
        [...this.inFlight].map(([entryId, f]) => this.group.keepAlive(entryId, f.requestId)),
      );
      this.maintenanceFailing = false;
      if (this.stopping) return;
      await this.forgetGoneConsumers().catch((error: unknown) => {
        this.logger.warn(`Looking for silent consumers failed: ${errorMessage(error)}`);
      });
      const free = this.slots.free;
      if (free === 0) return;
      const { cursor, claimed } = await this.group.reclaim(free, this.reclaimCursor);
      this.reclaimCursor = cursor;
      for (const { entry, deliveries } of claimed) {
        if (this.inFlight.has(entry.id)) continue;
        this.logger.log(`Reclaimed entry ${entry.id} (delivery ${deliveries})`);
        this.dispatch(entry, deliveries);
      }
    } catch (error) {
      // Usually Redis is away; the reader logs that. Say it once per outage here too.
      if (!this.maintenanceFailing) {
        this.logger.warn(`Keep-alive/reclaim failed: ${errorMessage(error)}`);
      }
      this.maintenanceFailing = true;
    } finally {
      this.maintaining = false;
    }
  }

  /**
   * Consumers of processes that died (or stopped with entries pending) stay in the group for
   * ever otherwise, one more per restarted pod. Only those silent for an hour and holding no
   * entry are removed; a live one that was merely busy is added back by its next read.
   */
  private async forgetGoneConsumers(): Promise<void> {
    if (Date.now() - this.consumersForgottenAt < FORGET_CONSUMERS_EVERY_MS) return;
    this.consumersForgottenAt = Date.now();
    const gone = await this.group.forgetSilentConsumers(FORGET_CONSUMER_IDLE_MS);
    if (gone.length > 0) this.logger.log(`Removed silent consumers: ${gone.join(', ')}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Whether `work` settled within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
