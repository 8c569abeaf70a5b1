import { buildReasoning, type FieldMatch } from './reasoning.js';
import {
  DEFAULT_PARAMS,
  FIELD as FIELD_IDS,
  FIELD_COUNT as FIELD_TOTAL,
  type RankerParams,
} from './field-weights.js';
import { PostingList } from './posting-list.js';
import { schemaText } from './schema-text.js';
import { ServerContext } from './server-context.js';
import { tokenize, type TermKind, type Unit } from './tokenize.js';

export interface IndexedTool {
  /** Namespaced catalog name, e.g. "weather__get_forecast" (unique key). */
  name: string;
  /** Server name, e.g. "weather". */
  server: string;
  /** Upstream tool name, e.g. "get_forecast". */
  tool: string;
  description: string;
  /** JSON Schema; property names and descriptions are indexed (nested too, bounded). */
  inputSchema: Record<string, unknown>;
}

export interface LexicalHit {
  name: string;
  score: number;
  /** What matched, e.g. "matched 'forecast' in name; 'weather' in server". */
  reasoning: string;
}

export interface SearchOptions {
  limit: number;
  filter?: (tool: IndexedTool) => boolean;
}

/*
 * Term frequencies of one (term, tool) pair are packed into one small integer,
 * 5 bits per field (6 fields = 30 bits, a V8 small integer). BM25 saturates long
 * before 31 occurrences, and one number per posting keeps a 10,000-tool index
 * compact and the scoring loop free of allocations.
 */
// Module-local copies: the scoring loop reads them per posting, and tooling that
// compiles ESM imports into live-binding getters would make every read a call.
const FIELD = { ...FIELD_IDS };
const FIELD_COUNT: number = FIELD_TOTAL;
const TF_BITS = 5;
const TF_MAX = (1 << TF_BITS) - 1;
const PHRASE_PREFIX = '>';
const STEM_PREFIX = '~';
/** Marks prefix terms (tokenize's PREFIX_PREFIX): "^calc". */
const PREFIX_MARK = '^';
/** Fields that count as the tool's own words for coverage and server documents. */
const WORD_FIELDS = FIELD.phrases;
/** Coverage is tracked per query word group in a 64-bit mask (two int32 words). */
const MAX_GROUPS = 64;

interface Doc {
  tool: IndexedTool;
  server: number;
  /** The tool's terms and their packed frequencies (parallel), for removal and explanations. */
  terms: string[];
  packed: Int32Array;
  /** Where each of its terms' postings sits in that term's list (parallel to `terms`). */
  positions: Int32Array;
  /** Distinct word terms (stems) of the tool name, for the name-coverage boost. */
  nameTerms: string[];
  /** Summed idf of nameTerms, valid while `nameIdfVersion` equals the index's version. */
  nameIdfTotal: number;
  nameIdfVersion: number;
}

interface Candidate {
  slot: number;
  score: number;
  name: string;
}

interface QueryTerm {
  text: string;
  weight: number;
  kind: TermKind | 'phrase' | 'feedback';
  /** Query word groups this term belongs to (bit positions), for coverage. */
  groups: number[];
  display: string;
}

function tfOf(packed: number, field: number): number {
  return (packed >>> (field * TF_BITS)) & TF_MAX;
}

function addTf(packed: number, field: number): number {
  return tfOf(packed, field) < TF_MAX ? packed + (1 << (field * TF_BITS)) : packed;
}

function idf(docCount: number, df: number): number {
  return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
}

/**
 * In-memory BM25F index over tool name, server, description and parameters.
 * Postings, document frequencies and field lengths are maintained on every
 * upsert/remove, so a catalog change costs one tool's worth of work and a
 * query never rebuilds anything.
 */
export class LexicalIndex {
  private readonly params: RankerParams;
  private readonly postings = new Map<string, PostingList>();
  private readonly docs: (Doc | undefined)[] = [];
  private readonly bySlotFree: number[] = [];
  private readonly slotByName = new Map<string, number>();
  private lengths = new Float64Array(0);
  private readonly totalLengths = new Float64Array(FIELD_COUNT);

  private readonly servers = new ServerContext();
  /** Bumped on every catalog change; idf sums cached per tool are recomputed after one. */
  private version = 0;

  // Per-query scratch space, reset only for the slots a query touched.
  private scores = new Float64Array(0);
  private coverLo = new Int32Array(0);
  private coverHi = new Int32Array(0);
  private covered = new Float64Array(0);
  /** Summed idf of the query words found in each tool's name. */
  private nameIdf = new Float64Array(0);

  constructor(params: Partial<RankerParams> = {}) {
    this.params = { ...DEFAULT_PARAMS, ...params };
  }

  get size(): number {
    return this.slotByName.size;
  }

  upsert(tool: IndexedTool): void {
    // Everything that reads the definition comes first: a text that cannot be read throws
    // before the index is touched, and the tool's previous entry stays as it was.
    const fieldUnits: Unit[][] = Array.from({ length: FIELD_COUNT }, () => []);
    const nameUnits = tokenize(tool.tool);
    const descriptionUnits = tokenize(tool.description);
    const schema = schemaText(tool.inputSchema ?? {});
    fieldUnits[FIELD.name] = nameUnits;
    fieldUnits[FIELD.server] = tokenize(tool.server);
    fieldUnits[FIELD.description] = descriptionUnits;
    fieldUnits[FIELD.paramNames] = schema.names.flatMap((n) => tokenize(n));
    fieldUnits[FIELD.paramDescriptions] = schema.descriptions.flatMap((d) => tokenize(d));

    this.remove(tool.name);
    this.version++;
    const slot = this.bySlotFree.pop() ?? this.docs.length;
    this.ensureCapacity(slot + 1);
    const counts = new Map<string, number>();
    const serverCounts = new Map<string, number>();
    for (let field = 0; field < WORD_FIELDS; field++) {
      for (const unit of fieldUnits[field]) {
        for (const term of unit.terms) {
          counts.set(term.text, addTf(counts.get(term.text) ?? 0, field));
          serverCounts.set(term.text, (serverCounts.get(term.text) ?? 0) + 1);
        }
      }
      this.setLength(slot, field, fieldLength(fieldUnits[field]));
    }
    const phrases = [...phraseTerms(nameUnits), ...phraseTerms(descriptionUnits)].map(
      (ph) => ph.text,
    );
    for (const phrase of phrases) {
      counts.set(phrase, addTf(counts.get(phrase) ?? 0, FIELD.phrases));
    }
    this.setLength(slot, FIELD.phrases, phrases.length);

    const positions = new Int32Array(counts.size);
    let termIndex = 0;
    for (const [term, packed] of counts) {
      let list = this.postings.get(term);
      if (!list) {
        list = new PostingList();
        this.postings.set(term, list);
      }
      positions[termIndex] = list.add(slot, packed, termIndex);
      termIndex++;
    }
    // The terms a query word matches a name word through (its stem, or the word itself where
    // it has no stem); joined two-part forms are left out, as they repeat their parts.
    const nameTerms = new Set(
      nameUnits
        .filter((u) => u.pairKey !== null)
        .flatMap((u) => u.terms)
        .filter((t) => t.kind === 'stem' || t.kind === 'exact')
        .map((t) => t.text),
    );
    this.docs[slot] = {
      tool,
      server: this.servers.add(tool.server, serverCounts),
      terms: [...counts.keys()],
      packed: Int32Array.from(counts.values()),
      positions,
      nameTerms: [...nameTerms],
      nameIdfTotal: 0,
      nameIdfVersion: -1,
    };
    this.slotByName.set(tool.name, slot);
  }

  remove(name: string): void {
    const slot = this.slotByName.get(name);
    if (slot === undefined) return;
    const doc = this.docs[slot];
    if (!doc) return;
    this.version++;
    const serverCounts = new Map<string, number>();
    for (let i = 0; i < doc.terms.length; i++) {
      const term = doc.terms[i];
      let wordTf = 0;
      for (let field = 0; field < WORD_FIELDS; field++) wordTf += tfOf(doc.packed[i], field);
      if (wordTf > 0) serverCounts.set(term, wordTf);
      const list = this.postings.get(term);
      if (!list) continue;
      const at = doc.positions[i];
      list.removeAt(at);
      if (list.size === 0) this.postings.delete(term);
      // Another tool's posting moved into the hole: it keeps its new position.
      else if (at < list.size) this.docs[list.slots[at]]!.positions[list.termIndexes[at]] = at;
    }
    this.servers.remove(doc.tool.server, serverCounts);
    for (let field = 0; field < FIELD_COUNT; field++) this.setLength(slot, field, 0);
    this.docs[slot] = undefined;
    this.bySlotFree.push(slot);
    this.slotByName.delete(name);
  }

  search(query: string, opts: SearchOptions): LexicalHit[] {
    const limit = Math.max(0, Math.floor(opts.limit));
    const docCount = this.size;
    if (limit === 0 || docCount === 0 || typeof query !== 'string') return [];
    const terms = this.queryTerms(query);
    if (terms.length === 0) return [];

    const p = this.params;
    const avg = this.totalLengths.map((total) => Math.max(total / docCount, 1e-9));
    const groupIdf = new Float64Array(MAX_GROUPS);
    for (const term of terms) {
      const df = this.postings.get(term.text)?.size ?? 0;
      if (df === 0) continue;
      const termIdf = this.termIdf(term.text, df);
      for (const g of term.groups) groupIdf[g] = Math.max(groupIdf[g], termIdf);
    }
    const totalGroupIdf = groupIdf.reduce((a, b) => a + b, 0);

    const touched: number[] = [];
    this.accumulate(terms, groupIdf, avg, touched);
    let allTerms = terms;
    if (p.feedbackDocs > 0 && p.feedbackTerms > 0) {
      const extra = this.feedbackTerms(touched, terms, opts.filter);
      this.accumulate(extra, groupIdf, avg, touched);
      allTerms = [...terms, ...extra];
    }
    if (p.serverContextWeight > 0) {
      this.servers.score(terms.filter((t) => t.kind !== 'phrase' && t.kind !== 'feedback'));
    }

    const top: Candidate[] = [];
    for (const slot of touched) {
      const doc = this.docs[slot];
      if (!doc || (opts.filter && !opts.filter(doc.tool))) continue;
      const coverage = totalGroupIdf > 0 ? this.covered[slot] / totalGroupIdf : 1;
      const nameCoverage = this.nameIdf[slot] > 0 ? this.nameCoverage(doc, slot) : 0;
      const score =
        this.scores[slot] *
          Math.pow(Math.min(1, coverage), p.coverageExponent) *
          (1 + p.nameCoverageBoost * nameCoverage) +
        p.serverContextWeight * this.servers.scoreOf(doc.server);
      if (!Number.isFinite(score) || score <= 0) continue;
      insertTop(top, { slot, score, name: doc.tool.name }, limit);
    }
    for (const slot of touched) {
      this.scores[slot] = 0;
      this.coverLo[slot] = 0;
      this.coverHi[slot] = 0;
      this.covered[slot] = 0;
      this.nameIdf[slot] = 0;
    }
    this.servers.resetScores();

    return top.map(({ slot, score, name }) => ({
      name,
      score,
      reasoning: this.explain(slot, allTerms),
    }));
  }

  /** BM25F pseudo term frequency: field-weighted, length-normalised tf of one posting. */
  private weightedTf(slot: number, packed: number, avg: Float64Array): number {
    const p = this.params;
    let tfw = 0;
    const base = slot * FIELD_COUNT;
    for (let field = 0; field < FIELD_COUNT; field++) {
      const tf = (packed >>> (field * TF_BITS)) & TF_MAX;
      if (tf === 0) continue;
      const b = p.fieldB[field];
      tfw += (p.fieldWeights[field] * tf) / (1 - b + (b * this.lengths[base + field]) / avg[field]);
    }
    return tfw;
  }

  /** Adds the BM25F contribution of `terms` to every tool holding them. */
  private accumulate(
    terms: QueryTerm[],
    groupIdf: Float64Array,
    avg: Float64Array,
    touched: number[],
  ): void {
    const p = this.params;
    for (const term of terms) {
      const list = this.postings.get(term.text);
      if (!list) continue;
      const nameIdf = this.termIdf(term.text, list.size);
      const termIdf = nameIdf * term.weight;
      const countsForName = term.kind === 'stem' || term.kind === 'exact';
      const { slots, packed: packedList, size } = list;
      for (let i = 0; i < size; i++) {
        const slot = slots[i];
        const packed = packedList[i];
        const tfw = this.weightedTf(slot, packed, avg);
        if (tfw <= 0) continue;
        if (this.scores[slot] === 0) touched.push(slot);
        this.scores[slot] += (termIdf * tfw * (p.k1 + 1)) / (p.k1 + tfw);
        for (const g of term.groups) {
          const bit = 1 << (g & 31);
          if (g < 32) {
            if ((this.coverLo[slot] & bit) === 0) {
              this.coverLo[slot] |= bit;
              this.covered[slot] += groupIdf[g];
            }
          } else if ((this.coverHi[slot] & bit) === 0) {
            this.coverHi[slot] |= bit;
            this.covered[slot] += groupIdf[g];
          }
        }
        if (countsForName && tfOf(packed, FIELD.name) > 0) this.nameIdf[slot] += nameIdf;
      }
    }
  }

  /**
   * A term's idf, with the servers counted as well as the tools. A word that names what one
   * server does ("github", "slack") sits in many of that server's tools, so its tool count
   * makes it look common while it picks out one server among hundreds. The document frequency
   * and the catalog size are both taken as geometric means of the tool-level and server-level
   * counts (df^(1-l)·serverDf^l over N^(1-l)·servers^l), then rescaled to the tool-level idf's
   * range so the other score parts keep their balance. l = blend·(1 - 1/servers): a catalog of
   * one server has no server-level evidence, so its ranking is the plain tool-level one.
   */
  private termIdf(term: string, df: number): number {
    const docCount = this.size;
    const servers = this.servers.serverCount;
    const serverDf = this.servers.serverDf(term);
    const l = this.params.serverIdfBlend * (1 - 1 / Math.max(servers, 1));
    // Phrase terms are not kept per server; they keep the tool-level idf.
    if (l === 0 || serverDf === 0) return idf(docCount, df);
    const n = Math.pow(docCount, 1 - l) * Math.pow(servers, l);
    const d = Math.pow(df, 1 - l) * Math.pow(serverDf, l);
    return (idf(n, d) * Math.log(1 + docCount)) / Math.log(1 + n);
  }

  /**
   * The idf-weighted share of the tool name's words that the query holds. Weighting by idf
   * keeps a generic name word ("find", "get") from counting as much as the word that says
   * what the tool is about ("agency", "forecast"): a query that only shares the verb covers
   * little of the name. Read only for tools with a name match; the name's idf sum is cached
   * per tool until the catalog changes, so a query does not look its words up again.
   */
  private nameCoverage(doc: Doc, slot: number): number {
    if (doc.nameIdfVersion !== this.version) {
      let total = 0;
      for (const term of doc.nameTerms) {
        total += this.termIdf(term, this.postings.get(term)?.size ?? 1);
      }
      doc.nameIdfTotal = total;
      doc.nameIdfVersion = this.version;
    }
    return doc.nameIdfTotal > 0 ? Math.min(1, this.nameIdf[slot] / doc.nameIdfTotal) : 0;
  }

  /**
   * Pseudo-relevance feedback: the best first-pass tools lend their most
   * distinctive words to the query, which recovers tools that describe the
   * same thing in other words.
   */
  private feedbackTerms(
    touched: number[],
    terms: QueryTerm[],
    filter: SearchOptions['filter'],
  ): QueryTerm[] {
    const p = this.params;
    const docCount = this.size;
    // A linear pass, not a sort: at 10,000 tools a query can touch thousands of them.
    const best: Candidate[] = [];
    for (const slot of touched) {
      const doc = this.docs[slot];
      if (!doc || (filter && !filter(doc.tool))) continue;
      insertTop(best, { slot, score: this.scores[slot], name: doc.tool.name }, p.feedbackDocs + 1);
    }
    // When the last feedback tool ties with the next one the choice between them is
    // arbitrary (by name); feeding it back would turn that arbitrary order into a real gap.
    if (best.length > p.feedbackDocs) {
      if (best[p.feedbackDocs].score === best[p.feedbackDocs - 1].score) return [];
      best.pop();
    }
    if (best.length === 0) return [];
    const inQuery = new Set(terms.map((t) => t.text));
    const top = best[0].score;
    const weights = new Map<string, number>();
    for (const { slot, score } of best) {
      const doc = this.docs[slot];
      if (!doc) continue;
      let length = 0;
      for (let f = 0; f < WORD_FIELDS; f++) length += this.lengths[slot * FIELD_COUNT + f];
      for (let i = 0; i < doc.terms.length; i++) {
        const term = doc.terms[i];
        // Stems only: one term per word, and no second copy of the surface form.
        if (!term.startsWith(STEM_PREFIX) || inQuery.has(term)) continue;
        let tf = 0;
        for (let f = 0; f < WORD_FIELDS; f++) tf += tfOf(doc.packed[i], f) * p.fieldWeights[f];
        const df = this.postings.get(term)?.size ?? docCount;
        const w = (score / top) * (tf / Math.max(length, 1)) * idf(docCount, df);
        weights.set(term, (weights.get(term) ?? 0) + w);
      }
    }
    return [...weights.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, p.feedbackTerms)
      .map(([text]) => ({
        text,
        weight: p.feedbackWeight,
        kind: 'feedback' as const,
        groups: [],
        display: text.slice(1),
      }));
  }

  /** Distinct query terms with weights; phrase pairs of adjacent words are added last. */
  private queryTerms(query: string): QueryTerm[] {
    const p = this.params;
    const units = tokenize(query, { maxChars: p.maxQueryChars, maxUnits: p.maxQueryTerms * 2 });
    const byText = new Map<string, QueryTerm>();
    const groupIds = new Map<number, number>();
    const kindWeight: Record<TermKind, number> = {
      surface: p.surfaceWeight,
      stem: p.stemWeight,
      exact: p.surfaceWeight + p.stemWeight,
      gram: p.gramWeight,
      prefix: p.prefixWeight,
    };
    for (const unit of units) {
      let group = groupIds.get(unit.group);
      if (group === undefined && groupIds.size < MAX_GROUPS) {
        group = groupIds.size;
        groupIds.set(unit.group, group);
      }
      for (const term of unit.terms) {
        let entry = byText.get(term.text);
        if (!entry) {
          if (byText.size >= p.maxQueryTerms) continue;
          const weight = kindWeight[term.kind];
          entry = { text: term.text, weight, kind: term.kind, groups: [], display: unit.display };
          byText.set(term.text, entry);
        }
        if (group !== undefined && !entry.groups.includes(group)) entry.groups.push(group);
      }
    }
    // Repeating a word in the query raises its weight, but only logarithmically.
    for (const entry of byText.values()) {
      const repeats = entry.groups.length;
      if (repeats > 1) entry.weight *= 1 + Math.log(repeats);
    }
    if (p.phraseWeight > 0) {
      for (const { text, display } of phraseTerms(units)) {
        if (byText.size >= p.maxQueryTerms) break;
        if (byText.has(text)) continue;
        byText.set(text, { text, weight: p.phraseWeight, kind: 'phrase', groups: [], display });
      }
    }
    return [...byText.values()].filter((t) => t.weight > 0);
  }

  /**
   * For each query word, the highest-weighted field of the tool where it matched. A match of
   * the word's first letters only is named as such, and only where it says more than the
   * word's own matches: in a field that weighs more than any the whole word was found in.
   */
  private explain(slot: number, terms: QueryTerm[]): string {
    const doc = this.docs[slot];
    if (!doc) return buildReasoning([]);
    const packedByTerm = new Map<string, number>();
    for (let i = 0; i < doc.terms.length; i++) packedByTerm.set(doc.terms[i], doc.packed[i]);
    const matches: FieldMatch[] = [];
    const related: string[] = [];
    const prefixes: { term: QueryTerm; field: number }[] = [];
    /** Per query word, the weight of the best field its whole-word terms matched in. */
    const wholeWeight = new Map<string, number>();
    const weights = this.params.fieldWeights;
    for (const term of terms) {
      const packed = packedByTerm.get(term.text);
      if (packed === undefined) continue;
      // Feedback words come from the best hit; they only explain hits nothing else matched.
      if (term.kind === 'feedback') {
        related.push(term.display);
        continue;
      }
      const field = bestField(packed, weights);
      if (field < 0) continue;
      if (term.kind === 'prefix') {
        prefixes.push({ term, field });
        continue;
      }
      matches.push({ word: term.display, field });
      wholeWeight.set(term.display, Math.max(wholeWeight.get(term.display) ?? 0, weights[field]));
    }
    for (const { term, field } of prefixes) {
      if (weights[field] <= (wholeWeight.get(term.display) ?? -Infinity)) continue;
      const letters = term.text.slice(PREFIX_MARK.length);
      const toolWord = wordStartingWith(doc, letters, field);
      matches.push({ word: term.display, field, prefix: { letters, toolWord } });
    }
    return buildReasoning(matches, related);
  }

  private setLength(slot: number, field: number, length: number): void {
    const index = slot * FIELD_COUNT + field;
    this.totalLengths[field] += length - this.lengths[index];
    this.lengths[index] = length;
  }

  private ensureCapacity(slots: number): void {
    if (this.scores.length >= slots) return;
    const capacity = Math.max(64, slots * 2);
    const grow = <T extends Float64Array | Int32Array>(
      old: T,
      make: (n: number) => T,
      width = 1,
    ): T => {
      const next = make(capacity * width);
      next.set(old);
      return next;
    };
    this.lengths = grow(this.lengths, (n) => new Float64Array(n), FIELD_COUNT);
    this.scores = grow(this.scores, (n) => new Float64Array(n));
    this.covered = grow(this.covered, (n) => new Float64Array(n));
    this.coverLo = grow(this.coverLo, (n) => new Int32Array(n));
    this.coverHi = grow(this.coverHi, (n) => new Int32Array(n));
    this.nameIdf = grow(this.nameIdf, (n) => new Float64Array(n));
  }
}

/**
 * A field's length for BM25 normalisation: its words, not counting the joined forms of
 * two-part words, which repeat their parts. Counting them made "ResearchHelper" (three units)
 * look longer than "research_helper" (two), so camelCase names were penalised for their
 * spelling. CJK character bigrams also repeat their words but do count: leaving them out
 * shortened Chinese descriptions and lost LiveMCPBench queries (Hit@1 36.2 -> 34.0).
 */
function fieldLength(units: readonly Unit[]): number {
  let length = 0;
  for (const unit of units) if (!unit.joined) length++;
  return length;
}

/** The field of a posting with the highest weight, -1 when none holds the term. */
/**
 * The tool's own word, in `field`, behind a first-letters match: "timeouts" when the query's
 * "time" matched only by prefix. Words as written only (no stems, grams, prefixes or phrases).
 */
function wordStartingWith(doc: Doc, letters: string, field: number): string | undefined {
  for (let i = 0; i < doc.terms.length; i++) {
    const term = doc.terms[i];
    if (!term.startsWith(letters) || !isWrittenWord(term)) continue;
    if (tfOf(doc.packed[i], field) > 0) return term;
  }
  return undefined;
}

/** Terms of other kinds start with a mark no word can start with (see tokenize.ts). */
function isWrittenWord(term: string): boolean {
  return /^[\p{L}\p{N}]/u.test(term) && !term.includes(' ');
}

function bestField(packed: number, weights: readonly number[]): number {
  let best = -1;
  for (let field = 0; field < FIELD_COUNT; field++) {
    if (tfOf(packed, field) === 0) continue;
    if (best < 0 || weights[field] > weights[best]) best = field;
  }
  return best;
}

/** Adjacent word pairs (by stem) as phrase terms; units without a pair key are skipped over. */
function phraseTerms(units: readonly Unit[]): { text: string; display: string }[] {
  const out: { text: string; display: string }[] = [];
  let previous: Unit | null = null;
  for (const unit of units) {
    if (unit.pairKey === null) continue;
    if (previous?.pairKey != null && previous.pairKey !== unit.pairKey) {
      out.push({
        text: `${PHRASE_PREFIX}${previous.pairKey} ${unit.pairKey}`,
        display: `${previous.display} ${unit.display}`,
      });
    }
    previous = unit;
  }
  return out;
}

/** Best-first order: higher score, then name (so ties are deterministic). */
function ranksBefore(a: Candidate, b: Candidate): boolean {
  return a.score > b.score || (a.score === b.score && a.name < b.name);
}

/** Keeps `top` sorted best-first and at most `limit` long. */
function insertTop(top: Candidate[], hit: Candidate, limit: number): void {
  if (top.length >= limit && !ranksBefore(hit, top[top.length - 1])) return;
  let i = top.length;
  top.push(hit);
  while (i > 0 && ranksBefore(hit, top[i - 1])) {
    top[i] = top[i - 1];
    i--;
  }
  top[i] = hit;
  if (top.length > limit) top.pop();
}
