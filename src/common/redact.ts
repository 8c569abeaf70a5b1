export const REDACTED = '[redacted]';

/** One pattern per list of secrets, built the first time that list is used. */
const patterns = new WeakMap<readonly string[], RegExp | null>();

function patternOf(secrets: readonly string[]): RegExp | null {
  let pattern = patterns.get(secrets);
  if (pattern === undefined) {
    // Longest first, so that a whole value is replaced before any part of it.
    const forms = secrets.filter(Boolean).sort((a, b) => b.length - a.length);
    const escaped = forms.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = escaped.length ? new RegExp(escaped.join('|'), 'gi') : null;
    patterns.set(secrets, pattern);
  }
  return pattern;
}

/**
 * Replaces every occurrence of each secret value, whatever its letter case (a server may
 * echo `%2b` for `%2B`, or upper-case what it repeats); used on any text that came from
 * outside. Runs on error paths and stderr tails only, never on a call's result.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const pattern = patternOf(secrets);
  return pattern ? text.replace(pattern, REDACTED) : text;
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
