import { OTHER_KEY } from './usage-cells.js';

/**
 * Admits at most `max` distinct keys; past that, a new key counts as OTHER_KEY. This is what
 * bounds memory (aggregates) and cardinality (metric labels) whatever callers send: a flood
 * of distinct tool names or session ids lands in one bucket instead of growing maps.
 *
 * With `idleMs`, a key unseen for that long is forgotten by sweep(), making room for new
 * ones once its aggregates have aged out. Without it (metric labels), admission is for the
 * process's life, because a Prometheus series cannot be taken back from scrapers anyway.
 */
export class KeyCap {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    readonly max: number,
    private readonly idleMs = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.lastSeen.size;
  }

  /** O(1): the key itself when admitted, else OTHER_KEY. */
  admit(key: string, now = 0): string {
    const seen = this.lastSeen.get(key);
    if (seen !== undefined) {
      if (now > seen) this.lastSeen.set(key, now);
      return key;
    }
    if (this.lastSeen.size >= this.max) return OTHER_KEY;
    this.lastSeen.set(key, now);
    return key;
  }

  /** O(size); the recorder calls it once a minute, not per record. */
  sweep(now: number): void {
    for (const [key, seen] of this.lastSeen) {
      if (now - seen > this.idleMs) this.lastSeen.delete(key);
    }
  }
}
