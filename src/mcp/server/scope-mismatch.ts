/**
 * Why a request's X-Session-ID does not fit its MCP or SSE session, which keeps the gateway
 * session (scope) it was opened with: missing, sent where none was, or another one.
 */
export function scopeMismatch(
  door: 'MCP' | 'SSE',
  openedWith: string | undefined,
  sent: string | undefined,
): string {
  if (openedWith === undefined) {
    return `This ${door} session was opened without X-Session-ID (the global scope): send none, or open another ${door} session with it`;
  }
  if (sent === undefined) {
    return `X-Session-ID is missing: this ${door} session was opened with one; send the same one with every request`;
  }
  return `X-Session-ID differs from the one this ${door} session was opened with; send the same one with every request`;
}
