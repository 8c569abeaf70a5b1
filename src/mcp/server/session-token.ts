import { randomBytes } from 'node:crypto';

/** What a replica needs to take over an MCP session it has never seen. */
export interface SessionHandshake {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
}

const SEPARATOR = '.';
const MAX_LENGTH = 4096;

/**
 * The Mcp-Session-Id the gateway hands out: 128 random bits, then the client's own handshake
 * (version, capabilities, name). Any replica can read it and rebuild the session without
 * shared storage. It holds nothing secret and nothing the client did not say itself; the
 * scope is not in it (X-Session-ID travels on every request).
 */
export function mintSessionId(handshake: SessionHandshake): string {
  const payload = Buffer.from(JSON.stringify(handshake)).toString('base64url');
  return `${randomBytes(16).toString('base64url')}${SEPARATOR}${payload}`;
}

export function readSessionId(id: string): SessionHandshake | undefined {
  if (id.length > MAX_LENGTH) return undefined;
  const payload = id.split(SEPARATOR)[1];
  if (!payload) return undefined;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { protocolVersion, capabilities, clientInfo } = value as Record<string, unknown>;
    if (typeof protocolVersion !== 'string' || !isObject(capabilities) || !isObject(clientInfo)) {
      return undefined;
    }
    return { protocolVersion, capabilities, clientInfo };
  } catch {
    return undefined;
  }
}

/** The handshake part of an initialize request body, when it is one. */
export function handshakeOf(body: unknown): SessionHandshake | undefined {
  if (!isObject(body) || body.method !== 'initialize' || !isObject(body.params)) return undefined;
  const { protocolVersion, capabilities, clientInfo } = body.params;
  if (typeof protocolVersion !== 'string') return undefined;
  return {
    protocolVersion,
    capabilities: isObject(capabilities) ? capabilities : {},
    clientInfo: isObject(clientInfo) ? clientInfo : { name: 'unknown', version: '0' },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
