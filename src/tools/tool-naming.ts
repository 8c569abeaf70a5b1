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
 * The tools of one server that give up their sanitized name to a sibling. When names
 * sanitize alike ("x.y", "x_y"), the tool whose own name it is ("x_y") keeps it and every
 * other gets a hash; when none is, all do. This looks at nothing but the server's tool list,
 * never at which tool came first, so replicas and restarts agree on it, and a tool's own
 * name is never taken from it: "x_y" keeps its name when "x.y" appears beside it.
 */
function yieldingSiblings(tools: readonly string[]): Set<string> {
  const count = new Map<string, number>();
  for (const tool of tools) {
    const name = sanitizeNamePart(tool);
    count.set(name, (count.get(name) ?? 0) + 1);
  }
  return new Set(
    tools.filter(
      (tool) => sanitizeNamePart(tool) !== tool && count.get(sanitizeNamePart(tool))! > 1,
    ),
  );
}

/**
 * Namespaced names for one server's tools, `<server>__<tool>`, always valid and stable: a
 * name too long, or one a sibling keeps after sanitizing (see yieldingSiblings), gets a hash
 * of the original names as suffix, so it does not change when other tools come and go.
 */
export function namespaceTools(server: string, tools: readonly string[]): Map<string, string> {
  const yields = yieldingSiblings(tools);
  const out = new Map<string, string>();
  for (const tool of tools) {
    const name = `${sanitizeNamePart(server)}${NAMESPACE_SEPARATOR}${sanitizeNamePart(tool)}`;
    const needsHash = name.length > MAX_LENGTH || yields.has(tool);
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
  // A tool that yields its sanitized name to a sibling ("x.y" to "x_y") has no bare name
  // either: it takes its hashed `<server>__<tool>`, under every mode.
  const yielding = new Map(servers.map((s) => [s.server, yieldingSiblings(s.tools)]));

  const holders = new Map<string, { server: string; tool: string }[]>();
  if (mode !== 'always') {
    for (const { server, tools } of servers) {
      for (const tool of tools) {
        if (yielding.get(server)!.has(tool)) continue;
        const bare = bareName(server, tool);
        holders.set(bare, [...(holders.get(bare) ?? []), { server, tool }]);
      }
    }
  }
  const keepsBare = (server: string, tool: string, bare: string): boolean => {
    if (mode === 'always' || yielding.get(server)!.has(tool)) return false;
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
      // "a__b__time", bare or prefixed): the later one yields, as a newcomer does.
      if (taken.has(name)) name = withHash(name, server, tool);
      taken.add(name);
      names.set(tool, name);
    }
    out.set(server, names);
  }
  return out;
}
