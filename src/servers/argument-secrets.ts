import { safeDecode } from '../common/safe-decode.js';

/**
 * Secrets that stdio servers get on their command line. Many real configs pass keys this way
 * (`--api-key sk-…`, `mcp-remote <url> --header "Authorization: Bearer …"`, `TOKEN=…`), and
 * a command line has no field that says "secret", so the gateway goes by the names: a flag,
 * an assignment or a header whose name has a word such as key, token or password in it.
 */

/** `scheme://user:password@` or `scheme://token@` anywhere in a text, such as an argument. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(?::([^\s/@]*))?@/gi;

/**
 * Words that make a name a secret's. Whole words of the name (`api-key`, `apiKey`,
 * `ACCESS_TOKEN`), so that `--tokenizer` or `--keyboard-layout` are not taken for one.
 */
const SECRET_WORDS = new Set([
  'key',
  'apikey',
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'credential',
  'credentials',
  'auth',
  'authorization',
  'bearer',
  'cookie',
]);

/** Flags that carry a header (`--header "Authorization: Bearer …"`: mcp-remote, supergateway). */
const HEADER_FLAGS = new Set(['--header', '--headers', '-H']);

/** A flag with its value attached: `--api-key=…`. */
const FLAG_WITH_VALUE = /^(--?[A-Za-z][\w.-]*)=(.*)$/s;
/** An assignment such as `API_KEY=…` (env-style, as `env` or `docker -e` take). */
const ASSIGNMENT = /^([A-Za-z_][\w.-]*)=(.*)$/s;
/** A header as a flag's value: `Authorization: Bearer …` or `X-Api-Key:…`. */
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/s;

function isSecretName(name: string): boolean {
  const words = name
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

/** Where a secret sits in an argument list: which argument, and the part of it that is secret. */
interface SecretSpan {
  index: number;
  /** The secret part starts here in the argument (after `--api-key=` or `Authorization: `). */
  start: number;
}

function secretSpans(args: readonly string[]): SecretSpan[] {
  const spans: SecretSpan[] = [];
  args.forEach((arg, index) => {
    const previous = index > 0 ? args[index - 1] : undefined;
    if (previous !== undefined && HEADER_FLAGS.has(previous)) {
      const header = HEADER_LINE.exec(arg);
      if (header && isSecretName(header[1])) {
        spans.push({ index, start: arg.length - header[2].length });
      }
      return;
    }
    if (previous !== undefined && /^--?[A-Za-z]/.test(previous) && !previous.includes('=')) {
      // `--api-key sk-…`: the flag's value is the next argument, unless that is a flag too.
      if (isSecretName(previous) && !arg.startsWith('-')) {
        spans.push({ index, start: 0 });
        return;
      }
    }
    const assigned = FLAG_WITH_VALUE.exec(arg) ?? ASSIGNMENT.exec(arg);
    if (assigned && isSecretName(assigned[1])) {
      spans.push({ index, start: assigned[1].length + 1 });
    }
  });
  return spans;
}

/** The secret values on a command line, for scrubbing texts: flag values and URL credentials. */
export function argumentSecrets(args: readonly string[]): string[] {
  const out = secretSpans(args).map(({ index, start }) => args[index].slice(start));
  for (const arg of args) out.push(...credentialsInText(arg));
  return out;
}

/** A command line as answers show it: secret values and URL credentials replaced. */
export function redactArguments(args: readonly string[]): string[] {
  const shown = args.map(redactUserInfo);
  for (const { index, start } of secretSpans(args)) {
    shown[index] = `${args[index].slice(0, start)}redacted`;
  }
  return shown;
}

/** An argument's URL credentials (`postgresql://app:pw@db`, `https://token@host`), hidden. */
function redactUserInfo(arg: string): string {
  return arg.replace(URL_USERINFO, (_match, scheme: string, user: string, password?: string) =>
    password !== undefined ? `${scheme}${user}:redacted@` : `${scheme}redacted@`,
  );
}

/** The credentials of every URL with user info in a text (`--db=postgresql://app:pw@db/x`). */
function credentialsInText(text: string): string[] {
  const out: string[] = [];
  for (const [, , user, password] of text.matchAll(URL_USERINFO)) {
    if (password) out.push(password, safeDecode(password));
    else out.push(user, safeDecode(user));
  }
  return out;
}
