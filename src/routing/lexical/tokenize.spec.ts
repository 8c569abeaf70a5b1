import { describe, expect, it } from '@jest/globals';
import { tokenize } from './tokenize.js';

const words = (text: string): string[] => tokenize(text).map((u) => u.display);

describe('tokenize', () => {
  it('splits identifiers on case, separators and digits', () => {
    expect(words('get_forecast')).toEqual(['get', 'forecast']);
    expect(words('list-open-issues')).toEqual(['list', 'open', 'issues']);
    expect(words('getForecastData')).toEqual(['get', 'forecast', 'data']);
    expect(words('PDFTool')).toEqual(['pdf', 'tool', 'pdftool']);
    expect(words('parseURLs')).toEqual(['parse', 'urls', 'parseurls']);
    expect(words('base64')).toEqual(['base', 'base64']);
  });

  it('marks the joined form of a two-part word, which repeats its parts', () => {
    expect(tokenize('PDFTool').map((u) => u.joined === true)).toEqual([false, false, true]);
    expect(tokenize('pdf_tool').some((u) => u.joined)).toBe(false);
  });

  it('emits surface, stem and prefix terms for English words', () => {
    const [unit] = tokenize('forecasts');
    expect(unit.terms.map((t) => t.kind)).toEqual(['surface', 'stem', 'prefix']);
    expect(unit.terms[1].text).toBe(tokenize('forecast')[0].terms[1].text);
  });

  it('drops stop words, lone letters and bare numbers but keeps action verbs', () => {
    expect(words("Get the user's list of 25 files")).toEqual(['get', 'user', 'list', 'files']);
  });

  it('drops the pieces of contractions; particles only pair with a neighbour', () => {
    const units = tokenize("I don't need it up to date, just sort them out");
    expect(units.map((u) => u.display)).toEqual(['need', 'up', 'date', 'sort', 'out']);
    // "up" and "out" have no term of their own, only a pair key for phrases ("scroll up").
    expect(units.filter((u) => u.terms.length === 0).map((u) => u.pairKey)).toEqual(['up', 'out']);
    expect(words('logOut')).toEqual(['log', 'out', 'logout']);
  });

  it('folds Latin diacritics and full-width forms', () => {
    expect(words('Café ＡＰＩ')).toEqual(['cafe', 'api']);
  });

  it('segments Chinese into words plus character bigrams', () => {
    const units = tokenize('搜索关键词');
    const kinds = new Set(units.flatMap((u) => u.terms.map((t) => t.kind)));
    expect(kinds).toEqual(new Set(['exact', 'gram']));
    expect(
      units
        .filter((u) => u.terms[0].kind === 'exact')
        .map((u) => u.display)
        .join(''),
    ).toBe('搜索关键词');
  });

  it('bounds the work on huge inputs', () => {
    expect(tokenize('word '.repeat(50_000), { maxChars: 1_000 }).length).toBe(200);
    expect(tokenize('word '.repeat(50_000), { maxUnits: 10 }).length).toBe(10);
  });
});
