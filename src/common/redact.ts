export const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret value; used on any text that came from outside. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
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
