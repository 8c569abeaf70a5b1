import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ANONYMOUS_ADMIN, isScope, SCOPES, type Principal, type Scope } from './scopes.js';

interface StoredKey {
  principal: Principal;
  digest: Buffer;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The configured API keys, held only as SHA-256 digests. A presented key is hashed and
 * compared with every stored digest in constant time, so neither the comparison nor an early
 * exit tells an attacker how close a guess was.
 */
export class ApiKeys {
  private constructor(private readonly keys: StoredKey[]) {}

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  get size(): number {
    return this.keys.length;
  }

  verify(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: Principal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest)) found = key.principal;
    }
    return found;
  }

  /** From GATEWAY_API_KEYS (`key=scope+scope,...`) and the hashed keys file; throws naming the variable. */
  static load(inline: string | undefined, file: string | undefined): ApiKeys {
    const keys = [...parseInline(inline ?? ''), ...(file ? parseFile(file) : [])];
    const ids = new Set<string>();
    for (const key of keys) {
      // The name of every caller when no keys are set: per-key limits leave it out.
      if (key.principal.keyId === ANONYMOUS_ADMIN.keyId)
        throw configError(
          'GATEWAY_API_KEYS_FILE',
          `the key name '${ANONYMOUS_ADMIN.keyId}' is reserved`,
        );
      if (ids.has(key.principal.keyId))
        throw configError('GATEWAY_API_KEYS', `key '${key.principal.keyId}' is listed twice`);
      ids.add(key.principal.keyId);
    }
    return new ApiKeys(keys);
  }
}

function parseInline(text: string): StoredKey[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const at = entry.lastIndexOf('=');
      if (at <= 0)
        throw configError('GATEWAY_API_KEYS', `entry ${i + 1} must be <key>=<scope>[+<scope>...]`);
      const key = entry.slice(0, at);
      if (key.length < 8)
        throw configError('GATEWAY_API_KEYS', `entry ${i + 1}: a key needs at least 8 characters`);
      const digest = sha256(key);
      // A fingerprint, not the key: safe to store with sessions and to log.
      const keyId = `key_${digest.toString('hex').slice(0, 12)}`;
      return {
        digest,
        principal: { keyId, scopes: parseScopes(entry.slice(at + 1), 'GATEWAY_API_KEYS', i + 1) },
      };
    });
}

function parseFile(path: string): StoredKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError('GATEWAY_API_KEYS_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
  const keys = text
    .split('\n')
    .map((l) => l.trim())
    .flatMap((line, i) => {
      if (!line || line.startsWith('#')) return [];
      // Scope names hold colons themselves (tools:read): only the first two colons separate.
      const match = /^([^:]+):([^:]*):(.+)$/.exec(line);
      const [, name, hex, scopes] = match ?? [];
      if (!name || !/^[a-f0-9]{64}$/i.test(hex ?? '') || scopes === undefined) {
        throw configError(
          'GATEWAY_API_KEYS_FILE',
          `line ${i + 1} must be <name>:<sha256 hex>:<scope>[+<scope>...]`,
        );
      }
      return [
        {
          digest: Buffer.from(hex, 'hex'),
          principal: { keyId: name, scopes: parseScopes(scopes, 'GATEWAY_API_KEYS_FILE', i + 1) },
        },
      ];
    });
  // An empty file is a mistake (a secret not mounted, a template never filled), not a choice:
  // read as "no keys" it would leave the gateway open.
  if (keys.length === 0) {
    throw configError(
      'GATEWAY_API_KEYS_FILE',
      `${path} holds no key (only blank lines and comments); one per line: <name>:<sha256 hex>:<scope>[+<scope>...]`,
    );
  }
  return keys;
}

function parseScopes(text: string, variable: string, where: number): ReadonlySet<Scope> {
  const scopes = text.split('+').map((s) => s.trim());
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0 || scopes.length === 0) {
    throw configError(
      variable,
      `entry ${where}: unknown scope(s) ${bad.map((b) => `'${b}'`).join(', ')}; use ${SCOPES.join(', ')}`,
    );
  }
  return new Set(scopes as Scope[]);
}

function configError(variable: string, message: string): Error {
  return new Error(`Invalid configuration:\n  ${variable}: ${message}`);
}
