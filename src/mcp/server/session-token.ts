import { createHash, randomBytes } from 'node:crypto';
import { isJsonObject } from '../../common/json-shape.js';

/** What a replica needs to take over an MCP session it has never seen. */
export interface SessionHandshake {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
}

/** A session id read back: the handshake, whose key opened it, and when. */
export interface SessionToken {
  handshake: SessionHandshake;
  /** ownerTag() of the API key that opened it; absent without keys. */
  owner?: string;
  issuedAt: number;
}

const SEPARATOR = '.';
const MAX_LENGTH = 4096;

/**
 * The Mcp-Session-Id the gateway hands out: 128 random bits, then the client's own handshake
 * (version, capabilities, name), a tag of the key that opened it and the time. Any replica can
 * read it and rebuild the session without shared storage, for the same key only: another key
 * presenting it gets nothing, and changing the tag makes another id, not this one. It holds
 * nothing secret; the scope is not in it (X-Session-ID travels on every request).
 */
export function mintSessionId(
  handshake: SessionHandshake,
  keyId: string | undefined,
  now = Date.now(),
): string {
  const body = { ...handshake, o: ownerTag(keyId), t: now };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${randomBytes(16).toString('base64url')}${SEPARATOR}${payload}`;
}

/**
 * Why a session id cannot be handed out, or undefined when it can. It travels in a header on
 * every request: one over MAX_LENGTH would be refused by readSessionId on another replica, and
 * a much longer one by the HTTP server's header limit. Given the id itself, as minted.
 */
export function sessionIdTooLong(id: string): string | undefined {
  if (id.length <= MAX_LENGTH) return undefined;
  return `initialize params too large: clientInfo and capabilities would make a ${id.length}-character Mcp-Session-Id, over the ${MAX_LENGTH} allowed (about ${Math.floor(((MAX_LENGTH - 100) * 3) / 4)} bytes of JSON for both)`;
}

/** A key's tag in session ids: a digest, so the id names no key. */
export function ownerTag(keyId: string | undefined): string | undefined {
  if (keyId === undefined) return undefined;
  return createHash('sha256')
    .update(`mcp-session-owner\0${keyId}`)
    .digest('base64url')
    .slice(0, 22);
}

export function readSessionId(id: string): SessionToken | undefined {
  if (id.length > MAX_LENGTH) return undefined;
  const payload = id.split(SEPARATOR)[1];
  if (!payload) return undefined;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { protocolVersion, capabilities, clientInfo, o, t } = value as Record<string, unknown>;
    if (
      typeof protocolVersion !== 'string' ||
      !isJsonObject(capabilities) ||
      !isJsonObject(clientInfo)
    ) {
      return undefined;
    }
    // Ids from before owners and times were written in them are not taken over.
    if (typeof t !== 'number' || (o !== undefined && typeof o !== 'string')) return undefined;
    return { handshake: { protocolVersion, capabilities, clientInfo }, owner: o, issuedAt: t };
  } catch {
    return undefined;
  }
}

/** The handshake part of an initialize request body, when it is one. */
export function handshakeOf(body: unknown): SessionHandshake | undefined {
  if (!isJsonObject(body) || body.method !== 'initialize' || !isJsonObject(body.params)) {
    return undefined;
  }
  const { protocolVersion, capabilities, clientInfo } = body.params;
  if (typeof protocolVersion !== 'string') return undefined;
  return {
    protocolVersion,
    capabilities: isJsonObject(capabilities) ? capabilities : {},
    clientInfo: isJsonObject(clientInfo) ? clientInfo : { name: 'unknown', version: '0' },
  };
}
