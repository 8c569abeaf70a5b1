/**
 * One GATEWAY_STDIO_ALLOWLIST entry: a whole command line (`uvx mcp-server-time`), or one that
 * ends in `*` to take any further arguments (`npx -y some-package *`).
 */
export interface StdioAllowEntry {
  command: string;
  args: string[];
  moreArgs: boolean;
}

/** The comma-separated entries, each split into words; empty entries are dropped. */
export function parseStdioAllowlist(text: string): StdioAllowEntry[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [command, ...args] = entry.split(/\s+/);
      const moreArgs = args.at(-1) === '*';
      return { command, args: moreArgs ? args.slice(0, -1) : args, moreArgs };
    });
}

/** The entry as the operator wrote it (words joined by one space). */
export function shownEntry(entry: StdioAllowEntry): string {
  return [entry.command, ...entry.args, ...(entry.moreArgs ? ['*'] : [])].join(' ');
}

/** Why the allowlist cannot be what the operator meant, or undefined when it is sound. */
export function stdioAllowlistProblem(entries: readonly StdioAllowEntry[]): string | undefined {
  // A server added over the API may not name a path, so an entry that does could never match.
  const path = entries.find((e) => /[/\\]/.test(e.command));
  if (path) {
    return `'${path.command}' is a path; entries are bare command names (npx, uvx, node...), found on the gateway's PATH`;
  }
  // '*' means "any further arguments" only as an entry's last word; anywhere else an operator
  // would read it as a glob (`/srv/*`) or a wildcard command, and it would match nothing.
  const star = entries.find((e) => [e.command, ...e.args].some((word) => word.includes('*')));
  if (star) {
    return `'${shownEntry(star)}': '*' may only end an entry, as a word of its own after the command and its fixed arguments ('npx -y some-package *')`;
  }
  return undefined;
}

/** Entries that name a command alone: they allow it with no arguments at all. */
export function bareEntries(entries: readonly StdioAllowEntry[]): StdioAllowEntry[] {
  return entries.filter((e) => e.args.length === 0 && !e.moreArgs);
}

/** GATEWAY_STDIO_ENV_ALLOWLIST: env key names, or prefixes written with a final `*`. */
export function parseEnvAllowlist(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Whether an env key is one the allowlist names (exactly, or by a `PREFIX*` entry). */
export function envKeyAllowed(key: string, allowlist: readonly string[]): boolean {
  return allowlist.some((entry) =>
    entry.endsWith('*') ? key.startsWith(entry.slice(0, -1)) : key === entry,
  );
}

/** Why an env allowlist entry cannot be meant, or undefined when all are sound. */
export function envAllowlistProblem(entries: readonly string[]): string | undefined {
  const bad = entries.find((entry) => !/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(entry));
  if (bad === undefined) return undefined;
  return `'${bad}' is not an env key name (letters, digits and '_', not starting with a digit), with at most a '*' at its end for a prefix`;
}
