/** Bounds how many requests a process runs at once (QUEUE_CONCURRENCY). */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly freeWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Slots nobody holds or waits for: how many entries a reader may fetch now. */
  get free(): number {
    return Math.max(0, this.limit - this.active - this.waiting.length);
  }

  get running(): number {
    return this.active;
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active--;
    if (this.free > 0) for (const wake of this.freeWaiters.splice(0)) wake();
  }

  /** Resolves once at least one slot is free. */
  async whenFree(): Promise<void> {
    if (this.free > 0) return;
    await new Promise<void>((resolve) => this.freeWaiters.push(resolve));
  }

  /** Wakes whoever waits in whenFree(), e.g. a reader that must notice a stop. */
  wakeAll(): void {
    for (const wake of this.freeWaiters.splice(0)) wake();
  }
}
