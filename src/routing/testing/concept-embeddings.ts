/**
 * A tiny deterministic "embedding model" for tests: one dimension per concept, counting the
 * words of a text that belong to it. It knows synonyms the lexical ranker cannot ("clock"
 * is about time), which is what lets tests tell the hybrid ranking from the lexical one.
 */
const CONCEPTS: readonly (readonly string[])[] = [
  ['time', 'clock', 'hour', 'date', 'zone'],
  ['arithmetic', 'calculat', 'math', 'sum', 'expression'],
  ['message', 'echo', 'repeat', 'parrot'],
];

export function conceptVector(text: string): number[] {
  const words = text.toLowerCase().split(/[^a-z]+/);
  const vector = CONCEPTS.map(
    (stems) => words.filter((w) => stems.some((stem) => w.startsWith(stem))).length,
  );
  // A small constant keeps texts with no concept from being zero vectors.
  return [...vector, 0.1];
}
