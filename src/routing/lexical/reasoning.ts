import { FIELD_COUNT, FIELD_LABELS } from './field-weights.js';

/** A query word and the field of the hit where it matched best. */
export interface FieldMatch {
  word: string;
  field: number;
  /**
   * Set when only the word's first letters matched ("calc" of "calculus" in "calculator"):
   * the text says so rather than claim the whole word was found, and names the tool's word.
   */
  prefix?: { letters: string; toolWord?: string };
}

const MAX_WORDS_PER_FIELD = 4;

/**
 * Short human text for a hit, e.g.
 * "matched 'forecast' in name; 'weather' in server; 'city' in parameters", or
 * "matched 'calculus' by its first letters ('calculator') in name" where only a word's first
 * letters matched.
 * Fields are listed in a fixed order (their index order) so equal inputs give
 * equal text.
 */
export function buildReasoning(
  matches: readonly FieldMatch[],
  related: readonly string[] = [],
): string {
  const byField: string[][] = Array.from({ length: FIELD_COUNT }, () => []);
  for (const { word, field, prefix } of matches) {
    const words = byField[field];
    const shown =
      prefix === undefined
        ? `'${word}'`
        : prefix.toolWord !== undefined
          ? `'${word}' by its first letters ('${prefix.toolWord}')`
          : `'${prefix.letters}…' of '${word}'`;
    if (!words.includes(shown)) words.push(shown);
  }
  const parts: string[] = [];
  byField.forEach((words, field) => {
    if (words.length === 0) return;
    const shown = words.slice(0, MAX_WORDS_PER_FIELD);
    const more =
      words.length > MAX_WORDS_PER_FIELD ? ` (+${words.length - MAX_WORDS_PER_FIELD} more)` : '';
    parts.push(`${shown.join(', ')}${more} in ${FIELD_LABELS[field]}`);
  });
  if (parts.length > 0) return `matched ${parts.join('; ')}`;
  // Reached only through pseudo-relevance feedback (words of the best match, shown as stems).
  if (related.length > 0) {
    const shown = related.slice(0, MAX_WORDS_PER_FIELD).map((w) => `'${w}'`);
    return `no query word matched; shares ${shown.join(', ')} with the best match`;
  }
  return 'lexical match';
}
