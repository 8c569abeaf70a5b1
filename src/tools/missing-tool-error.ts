import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import type { Door } from './tools.service.js';
import { NAMESPACE_SEPARATOR, namespaceTools, sanitizeNamePart } from './tool-naming.js';

/**
 * Why a name that is not in the catalog is not there, as precisely as the scope tells.
 * A tool its server listed before going down is "unavailable" (502, the call could succeed
 * once the server is back); a name whose server part names a server of the scope that is not
 * connected is still "not found" (the gateway cannot know the server offers it: API.md's
 * unknown tool), but the answer says which server and why, rather than only "not found".
 * `server.error` is the text GET /mcp/servers shows: its secret values are already replaced.
 */
export function missingToolError(
  registry: ServerRegistry,
  name: string,
  door: Door = 'rest',
): MissingToolError {
  const owner = missingToolOwner(registry, name);
  if (owner?.tool !== undefined) {
    const { server } = owner;
    return new MissingToolError(
      owner,
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `Server '${server.name}' is ${server.status}${server.error ? `: ${server.error}` : ''}`,
    );
  }
  if (owner) {
    const named = owner.server;
    const why = `${named.status}${named.error ? `: ${named.error}` : ''}`;
    return new MissingToolError(
      owner,
      ErrorCode.TOOL_NOT_FOUND,
      `Tool '${name}' is not in the catalog: server '${named.name}' is not connected (${why})`,
      {
        server: named.name,
        server_status: named.status,
        ...(named.error ? { server_error: named.error } : {}),
      },
    );
  }
  return new MissingToolError(
    undefined,
    ErrorCode.TOOL_NOT_FOUND,
    `Tool '${name}' not found in this scope (${LISTED_BY[door]} lists them)`,
  );
}

/** Where a caller of each door finds the names it may call. */
const LISTED_BY: Record<Door, string> = {
  rest: 'GET /mcp/tools',
  mcp: 'tools/list, or search_tools,',
  queue: "the 'list_tools' op",
};

/** A server that is not connected, which a name missing from the catalog belongs to. */
export interface MissingToolOwner {
  server: ServerConnection;
  /** Its catalog name in the server's last listing, when that listing had it. */
  tool?: string;
}

/** The error for a missing name, with the owner it was worked out from (usage counts under it). */
export class MissingToolError extends GatewayError {
  constructor(
    readonly owner: MissingToolOwner | undefined,
    code: ErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

/**
 * The server that is not connected a name missing from the catalog belongs to: one whose last
 * listing had it (`tool` is then its catalog name there), or the one its `<server>__` prefix
 * names. Usage counts the call under these, never under the caller's own string.
 */
export function missingToolOwner(
  registry: ServerRegistry,
  name: string,
): MissingToolOwner | undefined {
  const down = registry.list().filter((s) => s.status !== 'connected');
  for (const server of down) {
    const names = namespaceTools(
      server.name,
      server.tools.map((t) => t.name),
    );
    for (const [bare, full] of names) {
      if (full === name || bare === name) return { server, tool: full };
    }
  }
  // Among every server: "a__b__typo" belongs to a connected "a__b", not to a down "a".
  const named = serverNamedBy(registry.list(), name);
  return named && named.status !== 'connected' ? { server: named } : undefined;
}

/** The server whose `<server>__` prefix starts `name`; the longest, as "a__b" beats "a". */
function serverNamedBy(
  servers: readonly ServerConnection[],
  name: string,
): ServerConnection | undefined {
  const prefix = (s: ServerConnection) => `${sanitizeNamePart(s.name)}${NAMESPACE_SEPARATOR}`;
  return servers
    .filter((s) => name.startsWith(prefix(s)))
    .sort((a, b) => prefix(b).length - prefix(a).length)[0];
}
