/**
 * What the queue feature tells the metrics about its backlog. Provide an implementation
 * anywhere in the app (e.g. in QueueModule's providers); the metrics find it at start-up
 * without importing the queue module, and leave the queue gauges out when there is none.
 */
export abstract class QueueStats {
  /** Messages waiting or in progress, and messages moved to the dead-letter stream. */
  abstract stats(): Promise<{ pending: number; dead: number }>;
}
