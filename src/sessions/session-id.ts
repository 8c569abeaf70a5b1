import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SESSION_ID_PATTERN = /^sess_[0-9A-Za-z]{22}$/;

/** `sess_` + 22 base62 characters: 128 random bits (API.md asks for at least 122). */
export function newSessionId(): string {
  let n = BigInt(`0x${randomBytes(16).toString('hex')}`);
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return `sess_${out}`;
}

/**
 * A session id as error messages repeat it: a real one whole, anything longer cut, so that a
 * 10,000-character header is not sent back in full.
 */
export function shownId(sessionId: string): string {
  return sessionId.length <= 64 ? sessionId : `${sessionId.slice(0, 64)}…`;
}
