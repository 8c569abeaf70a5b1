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
]);
// Short-flag clusters such as `-pe` hide the same letters.
const INLINE_SHORT_LETTERS = /^-[a-zA-Z]*[ecpr][a-zA-Z]*$/;
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
const DANGEROUS_ENV_PREFIX = /^(LD_|DYLD_|NPM_CONFIG_|YARN_|PNPM_)/i;

const HOW_TO_ALLOW =
  'stdio servers added over the API must run a bare command listed in GATEWAY_STDIO_ALLOWLIST (comma-separated, e.g. "npx,uvx"); servers in the servers config file are trusted';

/**
 * Servers added over the API are untrusted input: they may start only allowlisted
 * commands, without inline code or loader tricks. Throws STDIO_NOT_ALLOWED (403).
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
  if (!allowlist.includes(command))
    throw refuse(`command '${command}' is not in GATEWAY_STDIO_ALLOWLIST`);
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
