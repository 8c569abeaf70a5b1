/**
 * Server documents: the words of all tools of one server merged into one
 * document, scored with plain BM25. A query that describes what a server is
 * about then lifts every matching tool of that server a little, which helps
 * multi-step tasks whose tools sit together on one server (tool-to-server
 * context). Maintained incrementally like the tool index.
 */
const K1 = 1.2;
const B = 0.75;

interface ServerDoc {
  slot: number;
  tools: number;
}

export class ServerContext {
  private readonly servers = new Map<string, ServerDoc>();
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly lengths: number[] = [];
  private lengthTotal = 0;
  private readonly freeSlots: number[] = [];
  private scores = new Float64Array(16);
  private readonly written: number[] = [];

  /** Adds one tool's term counts to its server; returns the server's slot. */
  add(server: string, counts: ReadonlyMap<string, number>): number {
    let doc = this.servers.get(server);
    if (!doc) {
      doc = { slot: this.freeSlots.pop() ?? this.lengths.length, tools: 0 };
      this.servers.set(server, doc);
      this.lengths[doc.slot] = 0;
      if (this.scores.length <= doc.slot) {
        const grown = new Float64Array(doc.slot * 2);
        grown.set(this.scores);
        this.scores = grown;
      }
    }
    doc.tools++;
    for (const [term, tf] of counts) {
      let list = this.postings.get(term);
      if (!list) {
        list = new Map();
        this.postings.set(term, list);
      }
      list.set(doc.slot, (list.get(doc.slot) ?? 0) + tf);
      this.lengths[doc.slot] += tf;
      this.lengthTotal += tf;
    }
    return doc.slot;
  }

  /** Subtracts one tool's term counts (the same map that was added). */
  remove(server: string, counts: ReadonlyMap<string, number>): void {
    const doc = this.servers.get(server);
    if (!doc) return;
    for (const [term, tf] of counts) {
      const list = this.postings.get(term);
      if (!list) continue;
      const left = (list.get(doc.slot) ?? 0) - tf;
      if (left > 0) list.set(doc.slot, left);
      else list.delete(doc.slot);
      if (list.size === 0) this.postings.delete(term);
      this.lengths[doc.slot] -= tf;
      this.lengthTotal -= tf;
    }
    doc.tools--;
    if (doc.tools === 0) {
      this.servers.delete(server);
      this.lengthTotal -= this.lengths[doc.slot];
      this.lengths[doc.slot] = 0;
      this.freeSlots.push(doc.slot);
    }
  }

  /** Scores every server for weighted query terms; read with scoreOf, then resetScores. */
  score(terms: readonly { text: string; weight: number }[]): void {
    const serverCount = this.servers.size;
    const avg = Math.max(this.lengthTotal / Math.max(serverCount, 1), 1e-9);
    for (const term of terms) {
      const list = this.postings.get(term.text);
      if (!list) continue;
      const idf = Math.log(1 + (serverCount - list.size + 0.5) / (list.size + 0.5)) * term.weight;
      for (const [slot, tf] of list) {
        const tfn = tf / (1 - B + (B * this.lengths[slot]) / avg);
        if (this.scores[slot] === 0) this.written.push(slot);
        this.scores[slot] += (idf * tfn * (K1 + 1)) / (K1 + tfn);
      }
    }
  }

  /** How many servers have a tool holding the term. */
  serverDf(term: string): number {
    return this.postings.get(term)?.size ?? 0;
  }

  /** Servers with at least one tool. */
  get serverCount(): number {
    return this.servers.size;
  }

  scoreOf(slot: number): number {
    return this.scores[slot] ?? 0;
  }

  resetScores(): void {
    for (const slot of this.written) this.scores[slot] = 0;
    this.written.length = 0;
  }
}
