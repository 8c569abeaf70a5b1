import { describe, expect, it } from '@jest/globals';
import type { ServerConnection } from '../servers/server-connection.js';
import type { ServerRegistry } from '../servers/server-registry.js';
import { missingToolError, missingToolOwner } from './missing-tool-error.js';

/** What missingToolError reads of a server: its name, status, last error and last tools. */
const server = (name: string, status: string, error?: string, tools: string[] = []) =>
  ({ name, status, error, tools: tools.map((t) => ({ name: t })) }) as unknown as ServerConnection;
const scope = (...servers: ServerConnection[]) =>
  ({ list: () => servers }) as unknown as ServerRegistry;

describe('missingToolError', () => {
  it('names the server a prefixed name belongs to when that server is down, and why', () => {
    const error = missingToolError(scope(server('nocmd', 'failed', 'spawn ENOENT')), 'nocmd__x');
    expect(error.code).toBe('TOOL_NOT_FOUND');
    expect(error.message).toBe(
      "Tool 'nocmd__x' is not in the catalog: server 'nocmd' is not connected (failed: spawn ENOENT)",
    );
    expect(error.details).toEqual({
      server: 'nocmd',
      server_status: 'failed',
      server_error: 'spawn ENOENT',
    });
  });

  it('blames no down server for a name whose longest prefix is a connected one', () => {
    const error = missingToolError(
      scope(server('a', 'failed', 'boom'), server('a__b', 'connected')),
      'a__b__typo',
    );
    expect(error.message).toBe(
      "Tool 'a__b__typo' not found in this scope (GET /mcp/tools lists them)",
    );
    expect(error.details).toBeUndefined();
  });

  it('says a tool its server listed before going down is unavailable', () => {
    const error = missingToolError(
      scope(server('demo', 'connecting', undefined, ['echo'])),
      'demo__echo',
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('names the down server a missing name belongs to, with its listed name, never the caller’s', () => {
    const demo = server('demo', 'failed', 'gone', ['echo']);
    const nocmd = server('nocmd', 'failed', 'spawn ENOENT');
    const registry = scope(demo, nocmd, server('ok', 'connected', undefined, ['time']));
    expect(missingToolOwner(registry, 'echo')).toEqual({ server: demo, tool: 'demo__echo' });
    expect(missingToolOwner(registry, 'demo__echo')).toEqual({ server: demo, tool: 'demo__echo' });
    expect(missingToolOwner(registry, 'nocmd__whatever')).toEqual({ server: nocmd });
    expect(missingToolOwner(registry, 'ok__typo')).toBeUndefined();
    expect(missingToolOwner(registry, 'nobody__x')).toBeUndefined();
  });
});
