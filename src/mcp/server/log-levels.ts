/** MCP log levels (RFC 5424 severities), least severe first. */
const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export type McpLogLevel = string;

/** Whether a message at `level` passes a client's `threshold` (none set: everything passes). */
export function passes(level: unknown, threshold: McpLogLevel | undefined): boolean {
  if (threshold === undefined) return true;
  const severity = LEVELS.indexOf(String(level));
  return severity < 0 || severity >= LEVELS.indexOf(threshold);
}
