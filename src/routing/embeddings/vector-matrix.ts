import { TopK, type ScoredName } from './top-k.js';

/**
 * Unit vectors of one length in one growable Float32Array, one row per tool, each row tagged
 * with the embedding key it was made from. A search is then one pass over contiguous memory
 * (10,000 × 1,536 floats) rather than a walk over thousands of small arrays; a freed row is
 * reused, so a catalog change never copies the matrix.
 */
export class VectorMatrix {
  private data: Float32Array;
  private readonly rowOf = new Map<string, number>();
  /** Per row: the tool's name and key, or undefined for a free row. */
  private readonly rows: ({ name: string; key: string } | undefined)[] = [];
  private readonly free: number[] = [];

  constructor(readonly dimension: number) {
    this.data = new Float32Array(dimension * 64);
  }

  get size(): number {
    return this.rowOf.size;
  }

  keyOf(name: string): string | undefined {
    const row = this.rowOf.get(name);
    return row === undefined ? undefined : this.rows[row]?.key;
  }

  set(name: string, key: string, vector: Float32Array): void {
    if (vector.length !== this.dimension) throw new RangeError('vector of another dimension');
    const row = this.rowOf.get(name) ?? this.free.pop() ?? this.rows.length;
    if ((row + 1) * this.dimension > this.data.length) this.grow();
    this.data.set(vector, row * this.dimension);
    this.rows[row] = { name, key };
    this.rowOf.set(name, row);
  }

  delete(name: string): void {
    const row = this.rowOf.get(name);
    if (row === undefined) return;
    this.rowOf.delete(name);
    this.rows[row] = undefined;
    this.free.push(row);
  }

  /** The k rows most similar to `query` (a unit vector of this dimension) among `accepted`. */
  nearest(query: Float32Array, k: number, accepted?: (name: string) => boolean): ScoredName[] {
    const top = new TopK(k);
    const { data, dimension } = this;
    for (let row = 0; row < this.rows.length; row++) {
      const entry = this.rows[row];
      if (!entry || (accepted && !accepted(entry.name))) continue;
      const base = row * dimension;
      let sum = 0;
      for (let i = 0; i < dimension; i++) sum += data[base + i] * query[i];
      top.offer(entry.name, sum);
    }
    return top.sorted();
  }

  private grow(): void {
    const bigger = new Float32Array(this.data.length * 2);
    bigger.set(this.data);
    this.data = bigger;
  }
}
