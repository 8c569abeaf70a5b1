/**
 * Fields of a tool document and the ranking constants. Kept apart from the
 * index so the weights can be read (and tuned) in one place.
 */
export const FIELD = {
  name: 0,
  server: 1,
  description: 2,
  paramNames: 3,
  paramDescriptions: 4,
  /** Adjacent word pairs from the name and description (phrase matches). */
  phrases: 5,
} as const;

export const FIELD_COUNT = 6;

/** Labels used in hit reasoning, indexed by field. */
export const FIELD_LABELS = [
  'name',
  'server',
  'description',
  'parameters',
  'parameter descriptions',
  'phrase',
] as const;

export interface RankerParams {
  /** BM25 term-frequency saturation (shared by all fields, as in BM25F). */
  k1: number;
  /** Per-field weight applied to term frequency before saturation. */
  fieldWeights: readonly number[];
  /** Per-field length normalisation (BM25 b). */
  fieldB: readonly number[];
  /** Query-side weight of each term kind (exact = a word with no separate stem). */
  surfaceWeight: number;
  stemWeight: number;
  gramWeight: number;
  /** Query-side weight of a shared word beginning (first letters), a looser stem. */
  prefixWeight: number;
  /** Weight of a query's adjacent word pair (phrase term). */
  phraseWeight: number;
  /** Score multiplier exponent for the idf-weighted share of query words a tool covers. */
  coverageExponent: number;
  /** Multiplier bonus for the (idf-weighted) share of the tool name's words present in the query. */
  nameCoverageBoost: number;
  /** Weight of the tool's server (all its tools as one document) matching the query. */
  serverContextWeight: number;
  /** Pseudo-relevance feedback: tools read, words taken, and their query weight (0 = off). */
  feedbackDocs: number;
  feedbackTerms: number;
  feedbackWeight: number;
  /** Share of the server-level document frequency in a term's idf (0 = tools only). */
  serverIdfBlend: number;
  /** Cap on distinct query terms, bounding work for huge queries. */
  maxQueryTerms: number;
  /** Characters of the query that are read at all. */
  maxQueryChars: number;
}

export const DEFAULT_PARAMS: RankerParams = {
  k1: 1.6,
  // Tool and server names are short and deliberate, so a word there says more
  // than the same word in prose; parameter descriptions are the noisiest text.
  //            name server desc params paramDesc phrases
  fieldWeights: [3.3, 2.4, 1, 1, 0.35, 1],
  fieldB: [0.5, 0.3, 0.6, 0.5, 0.6, 0.3],
  surfaceWeight: 0.45,
  stemWeight: 0.7,
  gramWeight: 0.3,
  prefixWeight: 0.4,
  phraseWeight: 0.3,
  coverageExponent: 0.5,
  nameCoverageBoost: 0.3,
  serverContextWeight: 0.22,
  feedbackDocs: 1,
  feedbackTerms: 8,
  feedbackWeight: 0.3,
  serverIdfBlend: 0.5,
  maxQueryTerms: 128,
  maxQueryChars: 4_096,
};
