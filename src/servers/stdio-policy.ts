import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
import { envKeyAllowed, shownEntry, type StdioAllowEntry } from '../config/stdio-allowlist.js';
import { isDangerousEnvKey } from './dangerous-env.js';
import type { StdioServerSpec } from './server-spec.js';

// Flags with which common interpreters and launchers run code given inline rather than a
// server package: node/bun/deno -e/-p/-r/--import, python/sh -c, npx -c/--call, debuggers.
const INLINE_CODE_FLAGS = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '-c',
  '--call',
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--eval-file',
  '--inspect',
  '--inspect-brk',
  '--inspect-wait',
  '--env-file',
  '--node-options',
  '--run',
  '--test',
]);
// Short-flag clusters such as `-pe`, and a flag joined to its value (`-cimport os`), hide
// the same letters.
const INLINE_SHORT_LETTERS = /^-[a-zA-Z]*[ecpr]/;
const INLINE_SUBCOMMANDS = new Set(['eval', 'exec', 'repl']);

const HOW_TO_ALLOW =
  'stdio servers added over the API must match an entry of GATEWAY_STDIO_ALLOWLIST (comma-separated whole command lines, matched exactly, e.g. "npx -y @modelcontextprotocol/server-filesystem /srv/data"; an entry ending in " *" also takes any further arguments); servers in the servers config file are trusted';

function matches(entry: StdioAllowEntry, args: readonly string[]): boolean {
  if (!entry.moreArgs && args.length !== entry.args.length) return false;
  return entry.args.every((arg, i) => args[i] === arg);
}

/**
 * Servers added over the API are untrusted input. They may start only what the allowlist
 * names, and an entry is matched whole: a filesystem server pinned to `/srv/data` must not be
 * added with `/` after it. Only an entry ending in `*` takes further arguments, and then the
 * caller picks them (folders, a launcher's package: with `npx *`, code execution on the host).
 * Arguments the caller adds that run inline code or change how code loads, and env keys that
 * do, are refused. Throws STDIO_NOT_ALLOWED (403).
 */
export function assertStdioAllowed(
  name: string,
  spec: StdioServerSpec,
  allowlist: readonly StdioAllowEntry[],
  /** GATEWAY_STDIO_ENV_ALLOWLIST; empty: no list (the blocklist alone). */
  envAllowlist: readonly string[] = [],
): void {
  const refuse = (why: string) =>
    new GatewayError(
      ErrorCode.STDIO_NOT_ALLOWED,
      `Server '${name}' refused: ${why}. ${HOW_TO_ALLOW}`,
    );
  const { command } = spec;
  if (/[/\\]/.test(command)) throw refuse(`command '${command}' must be a bare name, not a path`);
  const entries = allowlist.filter((e) => e.command === command);
  if (entries.length === 0) throw refuse(`command '${command}' is not in GATEWAY_STDIO_ALLOWLIST`);
  const matching = entries.filter((e) => matches(e, spec.args));
  if (matching.length === 0) {
    // The arguments are not repeated: they may hold a secret.
    throw refuse(
      `its arguments match no entry of GATEWAY_STDIO_ALLOWLIST: '${command}' may run only ${entries.map((e) => `'${shownEntry(e)}'`).join(' or ')} (an entry matches the whole command line; only one ending in ' *' takes further arguments)`,
    );
  }
  // A working folder picks which package.json, scripts and local modules a command sees.
  if (spec.cwd !== undefined) throw refuse('cwd is for servers of the servers file only');
  // The arguments an entry names are the operator's own (`docker run -i --rm -e TOKEN ...`):
  // only those the caller adds past a ' *' are checked.
  const pinned = Math.max(...matching.map((e) => e.args.length));
  for (const [i, arg] of spec.args.entries()) {
    if (i < pinned) continue;
    const flag = arg.split('=')[0];
    if (
      INLINE_CODE_FLAGS.has(flag) ||
      flag.startsWith('--inspect') ||
      INLINE_SHORT_LETTERS.test(arg)
    ) {
      throw refuse(
        `argument '${flag}' would run inline code or change how the interpreter loads code`,
      );
    }
    if (i === 0 && INLINE_SUBCOMMANDS.has(arg))
      throw refuse(`subcommand '${arg}' runs inline code`);
  }
  for (const key of Object.keys(spec.env)) {
    // The list narrows what the blocklist lets through; it never allows a key the blocklist refuses.
    if (envAllowlist.length > 0 && !envKeyAllowed(key, envAllowlist)) {
      throw refuse(
        `env key '${key}' is not in GATEWAY_STDIO_ENV_ALLOWLIST (${envAllowlist.map((e) => `'${e}'`).join(', ')})`,
      );
    }
    if (isDangerousEnvKey(key)) {
      throw refuse(`env key '${key}' can change which code the process loads or whom it trusts`);
    }
  }
}
