import { createHash } from 'node:crypto';

/** What LLM function-calling APIs accept as a tool name (API.md, Tools). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const NAMESPACE_SEPARATOR = '__';
const MAX_LENGTH = 64;
const HASH_LENGTH = 8;

export function sanitizeNamePart(part: string): string {
  return part.replace(/[^a-zA-Z0-9_-]/g, '_');
}

function shortHash(server: string, tool: string): string {
  return createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, HASH_LENGTH);
}

function withHash(base: string, server: string, tool: string): string {
  return `${base.slice(0, MAX_LENGTH - HASH_LENGTH - 1)}_${shortHash(server, tool)}`;
}

/**
 * Namespaced names for one server's tools, `<server>__<tool>`, always valid and stable:
 * a name too long, or one that collides with a sibling after sanitizing, gets a hash of the
 * original names as suffix, so it does not change when other tools come and go.
 */
export function namespaceTools(server: string, tools: readonly string[]): Map<string, string> {
  const base = new Map(
    tools.map((t) => [
      t,
      `${sanitizeNamePart(server)}${NAMESPACE_SEPARATOR}${sanitizeNamePart(t)}`,
    ]),
  );
  const seen = new Map<string, number>();
  for (const name of base.values()) seen.set(name, (seen.get(name) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const [tool, name] of base) {
    const needsHash = name.length > MAX_LENGTH || (seen.get(name) ?? 0) > 1;
    out.set(tool, needsHash ? withHash(name, server, tool) : name);
  }
  return out;
}
