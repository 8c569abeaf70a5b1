import { ErrorCode } from '../common/errors/error-code.js';
import { GatewayError } from '../common/errors/gateway-error.js';
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

// Variables that make a process load code the command line does not show, or resolve the
// bare command to another binary.
const DANGEROUS_ENV = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'PATH',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'RUBYLIB',
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'PS4',
  'GIT_SSH_COMMAND',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'DENO_FLAGS',
  'BUN_OPTIONS',
  'UV_PYTHON',
  'HOME',
]);
// Whole families: loaders, package indexes and registries, git config, TLS checks.
const DANGEROUS_ENV_PREFIX =
  /^(LD_|DYLD_|NPM_CONFIG_|YARN_|PNPM_|GIT_|UV_|PIP_|PYTHON|NODE_(?!ENV$)|PERL|RUBY|JAVA|BUN_|DENO_)/i;

const HOW_TO_ALLOW =
  'stdio servers added over the API must match an entry of GATEWAY_STDIO_ALLOWLIST (comma-separated: a bare command, or a command with the arguments it must start with, e.g. "npx -y @modelcontextprotocol/server-filesystem"); servers in the servers config file are trusted';

/** One GATEWAY_STDIO_ALLOWLIST entry: `npx` alone, or `npx -y some-package` (a fixed prefix). */
interface AllowEntry {
  command: string;
  prefix: string[];
}

function parseEntries(allowlist: readonly string[]): AllowEntry[] {
  return allowlist.map((entry) => {
    const [command, ...prefix] = entry.trim().split(/\s+/);
    return { command, prefix };
  });
}

/**
 * Servers added over the API are untrusted input. They may start only what the allowlist
 * names: with an entry that fixes the arguments' start, exactly that package or script; with a
 * bare command, anything it can run (a launcher such as npx runs any package: that trusts
 * every servers:admin key with the host). Either way arguments that run inline code or change
 * how code loads, and env keys that do, are refused. Throws STDIO_NOT_ALLOWED (403).
 */
export function assertStdioAllowed(
  name: string,
  spec: StdioServerSpec,
  allowlist: readonly string[],
): void {
  const refuse = (why: string) =>
    new GatewayError(
      ErrorCode.STDIO_NOT_ALLOWED,
      `Server '${name}' refused: ${why}. ${HOW_TO_ALLOW}`,
    );
  const { command } = spec;
  if (/[/\\]/.test(command)) throw refuse(`command '${command}' must be a bare name, not a path`);
  const entries = parseEntries(allowlist).filter((e) => e.command === command);
  if (entries.length === 0) throw refuse(`command '${command}' is not in GATEWAY_STDIO_ALLOWLIST`);
  const startsWith = (prefix: string[]) => prefix.every((arg, i) => spec.args[i] === arg);
  if (!entries.some((e) => startsWith(e.prefix))) {
    throw refuse(
      `'${command}' may run only ${entries.map((e) => `'${[command, ...e.prefix].join(' ')} …'`).join(' or ')}`,
    );
  }
  // A working folder picks which package.json, scripts and local modules a command sees.
  if (spec.cwd !== undefined) throw refuse('cwd is for servers of the servers file only');
  for (const [i, arg] of spec.args.entries()) {
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
    if (DANGEROUS_ENV.has(key.toUpperCase()) || DANGEROUS_ENV_PREFIX.test(key)) {
      throw refuse(`env key '${key}' can change which code the process loads`);
    }
  }
}
