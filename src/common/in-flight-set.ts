interface Entry<T> {
  value?: T;
  previous?: Entry<T>;
  next?: Entry<T>;
}

/**
 * The members of a long-lived collection that every request joins and leaves (answers still
 * owed, say): a doubly linked list whose entries let go of everything once removed.
 *
 * Why not a Set: V8 rebuilds a Set's hash table every few dozen adds and deletes, and the table
 * it leaves behind keeps pointers to its successor and to the members it held. Once one such
 * table has reached the old generation, it keeps the next alive through every scavenge until
 * the next full GC, and that one the next: every member that ever passed through the Set, and
 * all a member reaches (an answer reaches its request and the whole call), is promoted instead
 * of dying young. In the drain's Set of answers that was 12 KB promoted per tool call on the
 * REST door, against 4 KB with this list (docs/benchmarks.md, "Garbage kept alive by a Set").
 */
export class InFlightSet<T> implements Iterable<T> {
  private readonly head: Entry<T> = {};
  private count = 0;

  constructor() {
    this.head.previous = this.head;
    this.head.next = this.head;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a member; the function returned removes it (once: later calls do nothing). */
  add(value: T): () => void {
    const last = this.head.previous!;
    const entry: Entry<T> = { value, previous: last, next: this.head };
    last.next = entry;
    this.head.previous = entry;
    this.count += 1;
    return () => this.remove(entry);
  }

  /** The members now, oldest first: a copy, so members may leave while it is walked. */
  [Symbol.iterator](): Iterator<T> {
    const members: T[] = [];
    for (let entry = this.head.next!; entry !== this.head; entry = entry.next!) {
      members.push(entry.value as T);
    }
    return members[Symbol.iterator]();
  }

  private remove(entry: Entry<T>): void {
    if (!entry.next) return;
    entry.previous!.next = entry.next;
    entry.next.previous = entry.previous;
    // A removed entry points at nothing, so even if it lives on in the old generation, it
    // keeps no later entry or member alive.
    entry.previous = undefined;
    entry.next = undefined;
    entry.value = undefined;
    this.count -= 1;
  }
}
