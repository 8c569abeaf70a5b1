export const REDACTED = '[redacted]';

/**
 * Forms longer than this are matched one by one, not in the pattern: an env
 * value may be a whole JSON document, and a pattern of its forms is more than V8's regular
 * expressions take ("Regular expression too large" had failed a server's start).
 */
const MAX_PATTERN_FORM = 1024;

interface Matcher {
  /** Forms up to MAX_PATTERN_FORM. */
  pattern: RegExp | null;
  /** Longer forms, longest first. */
  exact: string[];
}

/** One matcher per list of secrets, built the first time that list is used. */
const matchers = new WeakMap<readonly string[], Matcher>();

function matcherOf(secrets: readonly string[]): Matcher {
  let matcher = matchers.get(secrets);
  if (matcher === undefined) {
    // Longest first, so that a whole value is replaced before any part of it.
    const forms = secrets.filter(Boolean).sort((a, b) => b.length - a.length);
    const exact = forms.filter((form) => form.length > MAX_PATTERN_FORM);
    const short = forms.filter((form) => form.length <= MAX_PATTERN_FORM);
    const escaped = short.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    let pattern: RegExp | null = null;
    try {
      pattern = escaped.length ? new RegExp(escaped.join('|'), 'g') : null;
    } catch {
      // Too many forms for one pattern after all: each is matched exactly instead.
      exact.push(...short);
    }
    matcher = { pattern, exact };
    matchers.set(secrets, matcher);
  }
  return matcher;
}

/**
 * Replaces every occurrence of each secret form, exactly as given (the forms a server may
 * write in another letter case, `%2b` for `%2B`, are listed in both by server-spec); used
 * on any text that came from outside. Runs on error paths and stderr tails only, never on a call's result.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const { pattern, exact } = matcherOf(secrets);
  let out = text;
  for (const form of exact) out = out.split(form).join(REDACTED);
  return pattern ? out.replace(pattern, REDACTED) : out;
}

/**
 * The same for a JSON value (an upstream error's details, say): every string in it, keys
 * included, redacted. A copy; the value given is left as it was.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, secrets)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [redact(k, secrets), redactDeep(v, secrets)]),
  ) as T;
}

/** An object's keys with every value hidden: how env and headers are shown. */
export function maskValues(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).map((k) => [k, REDACTED]));
}
