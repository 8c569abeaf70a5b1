export const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret value; used on any text that came from outside. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** An object's keys with every value hidden: how env and headers are shown. */
export function maskValues(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).map((k) => [k, REDACTED]));
}
