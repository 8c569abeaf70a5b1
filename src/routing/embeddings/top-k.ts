export interface ScoredName {
  name: string;
  score: number;
}

/** Best first; equal scores by name, so a ranking never depends on insertion order. */
function before(a: ScoredName, b: ScoredName): boolean {
  return a.score > b.score || (a.score === b.score && a.name < b.name);
}

/**
 * The k best of a stream, kept sorted. Fusion reads only the top few dozen of 10,000 tools:
 * most offers lose to the current k-th and cost one comparison, instead of sorting them all.
 */
export class TopK {
  private readonly best: ScoredName[] = [];

  constructor(private readonly k: number) {}

  offer(name: string, score: number): void {
    const item = { name, score };
    const full = this.best.length >= this.k;
    if (this.k <= 0 || (full && !before(item, this.best[this.best.length - 1]))) return;
    let at = this.best.length;
    while (at > 0 && before(item, this.best[at - 1])) at--;
    this.best.splice(at, 0, item);
    if (this.best.length > this.k) this.best.pop();
  }

  sorted(): ScoredName[] {
    return [...this.best];
  }
}
