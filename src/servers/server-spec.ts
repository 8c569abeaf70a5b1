/** What the gateway knows how to connect to: Claude Desktop's `mcpServers` entries. */
export type TransportKind = 'stdio' | 'streamable-http' | 'sse';

interface SpecOptions {
  /**
   * One connection serves every session that lists this server (stateless servers only);
   * absent or false: each session gets its own connection, as in the original gateway.
   */
  shared?: boolean;
}

export interface StdioServerSpec extends SpecOptions {
  transport: 'stdio';
  command: string;
  args: string[];
  /** Secret by assumption: values never leave the gateway. */
  env: Record<string, string>;
  cwd?: string;
}

export interface RemoteServerSpec extends SpecOptions {
  /** Undefined means "infer": streamable HTTP first, then SSE. */
  transport?: 'streamable-http' | 'sse';
  url: string;
  /** Secret by assumption: values never leave the gateway. */
  headers: Record<string, string>;
  /**
   * For servers added over the API: the address the SSRF guard checked. The connection goes
   * there and nowhere else, whatever DNS answers later.
   */
  pinned?: { address: string; family: 4 | 6 }[];
}

export type ServerSpec = StdioServerSpec | RemoteServerSpec;

export function isStdioSpec(spec: ServerSpec): spec is StdioServerSpec {
  return spec.transport === 'stdio';
}

/** The values that must never appear in an answer or a log line. */
export function secretValuesOf(spec: ServerSpec): string[] {
  const values = isStdioSpec(spec) ? Object.values(spec.env) : Object.values(spec.headers);
  // Very short values ("1", "on") would redact ordinary text and protect nothing.
  return values.filter((v) => v.length >= 4);
}
