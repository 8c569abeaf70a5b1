import type { Logger } from '@nestjs/common';
import { errorMessage } from '../common/errors/error-message.js';
import type { UpstreamTool } from '../mcp/upstream-client.js';
import type { ServerConnection } from '../servers/server-connection.js';
import type { Admission } from './pinning/tool-admission.js';
import { sameDefinition } from '../common/same-definition.js';
import type { CatalogTool } from './tool-catalog.js';

/** One server's part of a catalog, each map keyed by the server's own tool name. */
export interface ServerPart {
  /** What it was admitted from: another connection of that name (a new spec) is looked at afresh. */
  connection: ServerConnection;
  /** Served tools, in the server's order. */
  admitted: Map<string, CatalogTool>;
  /** Named, but held back until an admin approves the changed definition. */
  quarantined: Map<string, CatalogTool>;
  /** Refused (too large) or unreadable definitions: while unchanged, not looked at again. */
  leftOut: Map<string, UpstreamTool>;
  /** Catalog names of the admitted tools, in the server's order. */
  names: string[];
  /** Under auto/never: [`<server>__<tool>` form, catalog name] where the two differ. */
  aliases: [string, string][];
}

/** What one server's part becomes, worked out in full before anything is changed. */
export interface PartPlan {
  server: string;
  previous?: ServerPart;
  /** Undefined when the server leaves the catalog. */
  next?: ServerPart;
  /** Admitted entries that are new, renamed or redefined; unchanged ones keep their identity. */
  added: CatalogTool[];
  /** Admitted entries of `previous` that `next` no longer holds as they were. */
  removed: CatalogTool[];
}

export interface PlanContext {
  admit: (server: ServerConnection, definition: UpstreamTool) => Admission;
  /** Ask the admission again for every tool, changed or not (a pin of the server changed). */
  recheck: boolean;
  /** Under auto/never, each tool's `<server>__<tool>` form. */
  qualified?: ReadonlyMap<string, string>;
  logger: Pick<Logger, 'warn'>;
}

/**
 * The next part of `server`, its tools named by `names` (tool → catalog name). Only tools
 * that are new or whose definition changed are admitted (fingerprinted) again, so a
 * list_changed on a server of 10,000 tools costs one comparison per unchanged tool. A tool
 * whose definition cannot be looked at is left out and logged; the others still go in.
 */
export function planPart(
  previous: ServerPart | undefined,
  server: ServerConnection,
  names: ReadonlyMap<string, string>,
  context: PlanContext,
): PartPlan {
  const recheck = context.recheck || previous?.connection !== server;
  const next: ServerPart = {
    connection: server,
    admitted: new Map(),
    quarantined: new Map(),
    leftOut: new Map(),
    names: [],
    aliases: [],
  };
  for (const definition of server.tools) {
    const name = names.get(definition.name);
    if (name === undefined || isPlaced(next, definition.name)) continue;
    try {
      place(next, definition, name, previous, recheck, context);
    } catch (error) {
      next.leftOut.set(definition.name, definition);
      if (!previous?.leftOut.has(definition.name)) {
        context.logger.warn(
          `tool '${definition.name}' of server '${server.name}' left out: its definition could not be read (${errorMessage(error)})`,
        );
      }
    }
  }
  for (const entry of next.admitted.values()) {
    next.names.push(entry.name);
    const full = context.qualified?.get(entry.tool);
    if (full !== undefined && full !== entry.name) next.aliases.push([full, entry.name]);
  }
  const plan: PartPlan = { server: server.name, previous, next, added: [], removed: [] };
  for (const entry of next.admitted.values()) {
    if (previous?.admitted.get(entry.tool) !== entry) plan.added.push(entry);
  }
  for (const entry of previous?.admitted.values() ?? []) {
    if (next.admitted.get(entry.tool) !== entry) plan.removed.push(entry);
  }
  return plan;
}

/** The server leaves the catalog (failed, closed, removed from the scope). */
export function planLeave(server: string, previous: ServerPart | undefined): PartPlan {
  return { server, previous, added: [], removed: [...(previous?.admitted.values() ?? [])] };
}

function isPlaced(part: ServerPart, tool: string): boolean {
  return part.admitted.has(tool) || part.quarantined.has(tool) || part.leftOut.has(tool);
}

function place(
  next: ServerPart,
  definition: UpstreamTool,
  name: string,
  previous: ServerPart | undefined,
  recheck: boolean,
  context: PlanContext,
): void {
  const tool = definition.name;
  const wasQuarantined = previous?.quarantined.has(tool) === true;
  const before = previous?.admitted.get(tool) ?? previous?.quarantined.get(tool);
  const unchanged = before !== undefined && sameDefinition(before.definition, definition);
  if (unchanged && !recheck) {
    // Its verdict stands: a pin that changes makes the catalog recheck the whole server.
    const entry = before.name === name ? before : { ...before, name };
    (wasQuarantined ? next.quarantined : next.admitted).set(tool, entry);
    return;
  }
  const refused = previous?.leftOut.get(tool);
  if (!recheck && refused !== undefined && sameDefinition(refused, definition)) {
    next.leftOut.set(tool, definition);
    return;
  }
  const verdict = context.admit(next.connection, definition);
  if (verdict === 'reject') {
    next.leftOut.set(tool, definition);
    return;
  }
  const quarantined = verdict === 'quarantine';
  const keep = unchanged && before.name === name && wasQuarantined === quarantined;
  // What an admin reviewing it compares with: the definition served before it changed, which
  // a tool that keeps changing in quarantine keeps.
  const pinned = !quarantined
    ? undefined
    : wasQuarantined || unchanged
      ? before?.pinned
      : before?.definition;
  const entry = keep
    ? before
    : { name, server: next.connection.name, tool, definition, ...(pinned ? { pinned } : {}) };
  (quarantined ? next.quarantined : next.admitted).set(tool, entry);
}
