import { maskValues } from '../common/redact.js';
import type { SkippedTool } from '../mcp/upstream-client.js';
import { redactArguments } from './argument-secrets.js';
import { isStdioSpec, redactUrl, type ServerSpec, type TransportKind } from './server-spec.js';
import type { ServerConnection } from './server-connection.js';
import type { ServerToolNames } from './scope-registries.js';

/**
 * A spec as answers show it: env and header values never leave the gateway, nor do URL
 * credentials and the values of secret-named arguments (see argument-secrets.ts).
 */
export function publicConfig(spec: ServerSpec): Record<string, unknown> {
  if (isStdioSpec(spec)) {
    return {
      command: spec.command,
      args: redactArguments(spec.args),
      env: maskValues(spec.env),
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      ...(spec.shared ? { shared: true } : {}),
      ...(spec.disabledTools ? { disabledTools: spec.disabledTools } : {}),
    };
  }
  return {
    url: redactUrl(spec.url),
    headers: maskValues(spec.headers),
    ...(spec.transport ? { transport: spec.transport } : {}),
    ...(spec.shared ? { shared: true } : {}),
    ...(spec.disabledTools ? { disabledTools: spec.disabledTools } : {}),
  };
}

export interface ServerView {
  uuid: string;
  name: string;
  transport: TransportKind;
  /** False while `transport` is only the one to be tried first (see serverView). */
  transport_negotiated: boolean;
  status: string;
  source: string;
  tools: string[];
  tool_count: number;
  error?: string;
  /** Tools held back by tool pinning (GET /mcp/tools/quarantined); absent when none. */
  quarantined_tools?: string[];
  /** Tools the server listed with an invalid definition, left out; absent when none. */
  skipped_tools?: SkippedTool[];
  config: Record<string, unknown>;
}

/**
 * A url server whose spec names no transport is tried as streamable HTTP, then SSE. Until one
 * answers, the connection's transport is `auto`, which is no transport at all: the view shows
 * the one tried first, within API.md's values, and says that it is not settled yet.
 */
export function serverView(server: ServerConnection, names: ServerToolNames): ServerView {
  const negotiated = server.transport !== 'auto';
  return {
    uuid: server.uuid,
    name: server.name,
    transport: negotiated ? server.transport : 'streamable-http',
    transport_negotiated: negotiated,
    status: server.status,
    source: server.source,
    tools: names.listed,
    tool_count: names.listed.length,
    ...(names.quarantined.length ? { quarantined_tools: names.quarantined } : {}),
    ...(server.error ? { error: server.error } : {}),
    ...(server.skippedTools.length ? { skipped_tools: server.skippedTools } : {}),
    config: publicConfig(server.spec),
  };
}
