/**
 * The tools holding one term, as parallel typed arrays (tool slot, packed
 * per-field term frequencies, and where the term sits in that tool's own term
 * list). Scanning typed arrays is several times faster than iterating a Map,
 * which is what keeps long queries on a 10,000-tool catalog around a
 * millisecond. Removal swaps the last entry into the hole; order carries no
 * meaning because scores are summed per tool.
 */
export class PostingList {
  slots = new Int32Array(4);
  packed = new Int32Array(4);
  /**
   * Each posting's index in its tool's term list. A tool keeps the position of each of its
   * postings, so removing it costs O(1) per term instead of a search through lists that hold
   * thousands of tools (a common word, a big server's name); a moved posting's tool is found
   * and told its new position through this.
   */
  termIndexes = new Int32Array(4);
  size = 0;

  /** Appends a posting and returns its position. */
  add(slot: number, packed: number, termIndex: number): number {
    if (this.size === this.slots.length) {
      this.slots = grow(this.slots);
      this.packed = grow(this.packed);
      this.termIndexes = grow(this.termIndexes);
    }
    this.slots[this.size] = slot;
    this.packed[this.size] = packed;
    this.termIndexes[this.size] = termIndex;
    return this.size++;
  }

  /**
   * Removes the posting at `at`. The last posting moves into the hole: the caller updates
   * the position its tool keeps (read it back with slots[at] and termIndexes[at] while
   * `at < size`).
   */
  removeAt(at: number): void {
    this.size--;
    if (at === this.size) return;
    this.slots[at] = this.slots[this.size];
    this.packed[at] = this.packed[this.size];
    this.termIndexes[at] = this.termIndexes[this.size];
  }
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
}
