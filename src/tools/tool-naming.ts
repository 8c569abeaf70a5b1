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

/** TOOL_NAME_PREFIX: `always` namespaces every name; `auto` only colliding ones; `never` none. */
export type ToolNamePrefix = 'always' | 'auto' | 'never';

export interface ServerToolNames {
  server: string;
  tools: readonly string[];
}

/** A tool's own name made valid, shortened with a hash when too long. */
function bareName(server: string, tool: string): string {
  const name = sanitizeNamePart(tool) || '_';
  return name.length > MAX_LENGTH ? withHash(name, server, tool) : name;
}

/**
 * Catalog names for every server of one scope under a prefix mode, per server then per tool.
 * `previous` gives a tool's current name, so that under `never` the server that had a bare
 * name first keeps it when a second server brings the same one (the newcomer is prefixed).
 * Under `auto` every holder of a shared name is prefixed: no one keeps it by arrival order.
 * `reserved` are catalog names that servers outside `servers` hold; none is given out again.
 */
export function scopeToolNames(
  servers: readonly ServerToolNames[],
  mode: ToolNamePrefix,
  previous: (server: string, tool: string) => string | undefined = () => undefined,
  reserved: ReadonlySet<string> = new Set(),
): Map<string, Map<string, string>> {
  const namespaced = new Map(servers.map((s) => [s.server, namespaceTools(s.server, s.tools)]));

  const holders = new Map<string, { server: string; tool: string }[]>();
  if (mode !== 'always') {
    for (const { server, tools } of servers) {
      for (const tool of tools) {
        const bare = bareName(server, tool);
        holders.set(bare, [...(holders.get(bare) ?? []), { server, tool }]);
      }
    }
  }
  const keepsBare = (server: string, tool: string, bare: string): boolean => {
    if (mode === 'always') return false;
    const all = holders.get(bare)!;
    if (all.length === 1) return true;
    if (mode === 'auto') return false;
    const incumbent = all.find((h) => previous(h.server, h.tool) === bare) ?? all[0];
    return incumbent.server === server && incumbent.tool === tool;
  };

  const out = new Map<string, Map<string, string>>();
  // Names held by servers not being named now count as taken, so a newcomer yields to them.
  const taken = new Set<string>(reserved);
  for (const { server, tools } of servers) {
    const names = new Map<string, string>();
    for (const tool of tools) {
      const bare = mode === 'always' ? '' : bareName(server, tool);
      let name = keepsBare(server, tool, bare) ? bare : namespaced.get(server)!.get(tool)!;
      // A name can equal another server's ("a__b" + "time" and "a" + "b__time" both make
      // "a__b__time", bare or prefixed): the later one yields.
      if (taken.has(name)) name = withHash(name, server, tool);
      taken.add(name);
      names.set(tool, name);
    }
    out.set(server, names);
  }
  return out;
}
