interface Cell<V> {
  value?: V;
}

/**
 * A Map for a long-lived collection keyed by request (the handlers of the requests in flight
 * on a connection, say): each value sits in a cell of its own, emptied when its key is
 * deleted or the map cleared.
 *
 * Why: V8 rebuilds a Map's hash table every few dozen sets and deletes, and the table it
 * leaves behind keeps a pointer to its successor and to every value it held then, the values
 * of the requests in flight at that moment. Once one such table is in the old generation it
 * keeps the next alive through every scavenge until the next full GC, and that one the next,
 * so each request's value, and all it reaches (a response handler reaches its request's
 * promise and every caller awaiting it: the whole call), is promoted instead of dying young
 * (InFlightSet has the same story for a Set). Here the tables left behind hold only cells, and
 * a finished request's cell holds nothing. Measured with bench/lib/load/gc-survival.ts
 * (docs/benchmarks.md, item 17).
 */
export class InFlightMap<K, V> extends Map<K, V> {
  constructor(entries?: Iterable<readonly [K, V]>) {
    super();
    if (entries) for (const [key, value] of entries) this.set(key, value);
  }

  override get(key: K): V | undefined {
    return this.cellOf(key)?.value;
  }

  override set(key: K, value: V): this {
    const cell = this.cellOf(key);
    if (cell) cell.value = value;
    else super.set(key, { value } as Cell<V> as V);
    return this;
  }

  override delete(key: K): boolean {
    const cell = this.cellOf(key);
    if (!cell) return false;
    cell.value = undefined;
    return super.delete(key);
  }

  override clear(): void {
    for (const cell of this.cells()) cell.value = undefined;
    super.clear();
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  override *values(): MapIterator<V> {
    for (const cell of this.cells()) yield cell.value as V;
  }

  override *entries(): MapIterator<[K, V]> {
    for (const [key, cell] of super.entries() as MapIterator<[K, unknown]>) {
      yield [key, (cell as Cell<V>).value as V];
    }
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  private cellOf(key: K): Cell<V> | undefined {
    return super.get(key) as Cell<V> | undefined;
  }

  private cells(): MapIterator<Cell<V>> {
    return super.values() as MapIterator<unknown> as MapIterator<Cell<V>>;
  }
}
