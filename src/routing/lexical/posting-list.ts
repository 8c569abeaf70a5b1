/**
 * The tools holding one term, as two parallel typed arrays (tool slot, packed
 * per-field term frequencies). Scanning typed arrays is several times faster
 * than iterating a Map, which is what keeps long queries on a 10,000-tool
 * catalog around a millisecond. Removal swaps the last entry into the hole;
 * order carries no meaning because scores are summed per tool.
 */
export class PostingList {
  slots = new Int32Array(4);
  packed = new Int32Array(4);
  size = 0;

  add(slot: number, packed: number): void {
    if (this.size === this.slots.length) {
      const slots = new Int32Array(this.size * 2);
      const values = new Int32Array(this.size * 2);
      slots.set(this.slots);
      values.set(this.packed);
      this.slots = slots;
      this.packed = values;
    }
    this.slots[this.size] = slot;
    this.packed[this.size] = packed;
    this.size++;
  }

  remove(slot: number): void {
    const at = this.slots.subarray(0, this.size).indexOf(slot);
    if (at < 0) return;
    this.size--;
    this.slots[at] = this.slots[this.size];
    this.packed[at] = this.packed[this.size];
  }
}
