import { stemmer } from 'stemmer';
import { isStopWord } from './stop-words.js';

/**
 * How a term was derived. The index keeps the kinds in separate namespaces so
 * an exact word match can outscore a match that only agrees after stemming.
 * - surface: the lower-cased word as written
 * - stem: its Porter stem (English morphology only)
 * - exact: a word with no separate stem (CJK words, other scripts, numbers)
 * - gram: a CJK character bigram, a fallback when segmentations disagree
 * - prefix: the first letters of an English word, a looser stem
 */
export type TermKind = 'surface' | 'stem' | 'exact' | 'gram' | 'prefix';

export interface Term {
  text: string;
  kind: TermKind;
}

/** One word position of the text. */
export interface Unit {
  terms: Term[];
  /**
   * Units cut from the same written word ("getForecast" -> get, forecast,
   * getforecast) share a group; query coverage is counted per group.
   */
  group: number;
  /** Key for adjacent-word (phrase) pairs; null for units that sit beside a word. */
  pairKey: string | null;
  /** The word as shown in reasoning text. */
  display: string;
  /**
   * The joined form of a two-part word ("github" of "GitHub"): it repeats its parts,
   * so it is not a word of its own when a field's length is counted.
   */
  joined?: true;
}

export interface TokenizeLimits {
  /** Text past this many characters is ignored, so a 100 KB input costs the same as a short one. */
  maxChars: number;
  /** Stop after this many units. */
  maxUnits: number;
}

const DEFAULT_LIMITS: TokenizeLimits = { maxChars: 20_000, maxUnits: 4_000 };

// Prefixes keep term kinds apart in one dictionary; none can occur inside a word.
const STEM_PREFIX = '~';
const GRAM_PREFIX = '§';
const PREFIX_PREFIX = '^';
// Words sharing their first four letters ("summary"/"summarize", "analysis"/"analyze")
// often share meaning where Porter stems differ; a low query weight limits the noise.
const PREFIX_LEN = 4;

const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\u30fc';
// A CJK run, or a run of letters/digits from any other script. `_`, `-`, `.`, `/`, spaces
// and every other symbol separate runs, which splits snake_case and kebab-case.
const RUN_RE = new RegExp(`([${CJK_CLASS}]+)|((?:(?![${CJK_CLASS}])[\\p{L}\\p{M}\\p{N}])+)`, 'gu');
// Pieces of an identifier run, in priority order: an acronym plural ("URLs"), an acronym
// followed by a capitalised word ("PDFTool" -> PDF), a (capitalised) lower-case word, an
// acronym, digits, then letters of caseless scripts.
const PART_RE =
  /\p{Lu}{2,}s(?!\p{Ll})|\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{M}]+|\p{Lu}+|\p{N}+|[\p{L}\p{M}]+/gu;
// Particles: as words of their own they match idioms ("up to date", "out of stock"), but
// next to a verb they name a direction that tells two tools apart (scroll_up, zoom_out).
const PARTICLES = new Set(['up', 'down', 'out', 'over', 'under']);
const ASCII_WORD_RE = /^[a-z]+$/;
const DIGITS_RE = /^\p{N}+$/u;
const LATIN_MARKS_RE = /(?<=\p{Script=Latin})\p{Mn}+/gu;
const HAN_RE = /\p{Script=Han}/u;

// One shared segmenter: ICU's CJK dictionary covers Chinese and Japanese alike.
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

function wordTerms(word: string): Term[] {
  if (ASCII_WORD_RE.test(word)) {
    const terms: Term[] = [
      { text: word, kind: 'surface' },
      { text: STEM_PREFIX + stemmer(word), kind: 'stem' },
    ];
    if (word.length >= PREFIX_LEN)
      terms.push({ text: PREFIX_PREFIX + word.slice(0, PREFIX_LEN), kind: 'prefix' });
    return terms;
  }
  return [{ text: word, kind: 'exact' }];
}

/**
 * Splits free text or identifiers into units: camelCase, snake_case, kebab-case
 * and letter/digit boundaries are split, two-part camelCase words also keep
 * their joined form ("GitHub" matches "github"), English stop words and lone
 * Latin letters or numbers are dropped, CJK runs are segmented into words plus
 * character bigrams.
 */
export function tokenize(input: string, limits: Partial<TokenizeLimits> = {}): Unit[] {
  const { maxChars, maxUnits } = { ...DEFAULT_LIMITS, ...limits };
  const text = input
    .slice(0, maxChars)
    .normalize('NFKC')
    .normalize('NFD')
    .replace(LATIN_MARKS_RE, '')
    .normalize('NFC');
  const units: Unit[] = [];
  let group = 0;
  for (const match of text.matchAll(RUN_RE)) {
    if (units.length >= maxUnits) break;
    if (match[1] !== undefined) {
      group = addCjkRun(match[1], units, group);
    } else {
      group = addWordRun(match[2], units, group);
    }
  }
  return units.length > maxUnits ? units.slice(0, maxUnits) : units;
}

function addWordRun(run: string, units: Unit[], group: number): number {
  const parts = run.match(PART_RE) ?? [];
  let added = false;
  for (const rawPart of parts) {
    const part = rawPart.toLowerCase();
    // Lone letters ("s" of "user's") and bare numbers match almost anything.
    if (part.length < 2 && !DIGITS_RE.test(part)) continue;
    if (DIGITS_RE.test(part) || isStopWord(part)) continue;
    if (PARTICLES.has(part)) {
      // No term of its own: "up" alone matches "up to date" as well as "scroll_up"; it
      // only counts as half of a phrase ("scroll up"), which tells scroll_up from scroll_down.
      units.push({ terms: [], group, pairKey: part, display: part });
      continue;
    }
    units.push({ terms: wordTerms(part), group, pairKey: stemKey(part), display: part });
    added = true;
  }
  if (parts.length === 2 || (parts.length > 1 && !added)) {
    // Brand names are written both ways ("GitHub"/"github", "mp3"); deeper splits
    // ("getForecastData") would only add noise, so only two-part runs keep the whole.
    const whole = run.toLowerCase();
    if (!isStopWord(whole)) {
      units.push({ terms: wordTerms(whole), group, pairKey: null, display: whole, joined: true });
      added = true;
    }
  }
  return added ? group + 1 : group;
}

function stemKey(word: string): string {
  return ASCII_WORD_RE.test(word) ? stemmer(word) : word;
}

function addCjkRun(run: string, units: Unit[], group: number): number {
  let g = group;
  let offset = 0;
  const groupAt: number[] = [];
  for (const seg of segmenter.segment(run)) {
    const word = seg.segment;
    for (let i = 0; i < word.length; i++) groupAt[offset + i] = g;
    offset += word.length;
    if (word.length === 1 && isStopWord(word)) continue;
    units.push({ terms: [{ text: word, kind: 'exact' }], group: g, pairKey: word, display: word });
    g++;
  }
  // Bigrams only for Han text: kana runs are already split well by the dictionary.
  if (HAN_RE.test(run)) {
    for (let i = 0; i + 1 < run.length; i++) {
      const gram = run.slice(i, i + 2);
      units.push({
        terms: [{ text: GRAM_PREFIX + gram, kind: 'gram' }],
        group: groupAt[i] ?? g,
        pairKey: null,
        display: gram,
      });
    }
  }
  return g;
}
