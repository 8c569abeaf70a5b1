/** Readers of raw stream replies (ioredis `call` returns them untyped). */

export interface StreamEntry {
  id: string;
  /** Each field's value; the last one of a field given more than once. */
  fields: Record<string, string>;
  /** Every value of each field given more than once (XADD allows it); absent when none is. */
  repeated?: Record<string, string[]>;
}

/** One entry, `[id, [field, value, ...]]`; a deleted entry has no field list. */
export function toEntry(raw: unknown): StreamEntry | undefined {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') return undefined;
  const flat: unknown = raw[1];
  if (!Array.isArray(flat)) return undefined;
  const fields: Record<string, string> = {};
  let repeated: Record<string, string[]> | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = String(flat[i]);
    const value = String(flat[i + 1]);
    if (Object.hasOwn(fields, name)) {
      repeated ??= {};
      (repeated[name] ??= [fields[name]]).push(value);
    }
    fields[name] = value;
  }
  return repeated ? { id: raw[0], fields, repeated } : { id: raw[0], fields };
}

/** XREADGROUP on one stream: `[[stream, [entry, ...]]]`, or null when BLOCK timed out. */
export function readGroupEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const [, entries] = reply[0] as [unknown, unknown];
  return Array.isArray(entries) ? entries.flatMap((e) => toEntry(e) ?? []) : [];
}

/** XAUTOCLAIM: `[next cursor, [entry, ...], [deleted id, ...]]`. */
export function autoClaimReply(reply: unknown): { cursor: string; entries: StreamEntry[] } {
  const [cursor, entries] = reply as [string, unknown[]];
  return { cursor, entries: entries.flatMap((e) => toEntry(e) ?? []) };
}

/** A flat `[key, value, key, value, ...]` reply (XINFO) as an object. */
export function flatRecord(raw: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (!Array.isArray(raw)) return record;
  for (let i = 0; i + 1 < raw.length; i += 2) record[String(raw[i])] = raw[i + 1];
  return record;
}
