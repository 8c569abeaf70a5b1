const ENCODE_HINT = 'a password with / # ? @ must be percent-encoded';

/**
 * What is wrong with a REDIS_URL, or undefined. Read the way ioredis reads it (WHATWG
 * `new URL`, then the user name and password percent-decoded), so that a URL ioredis would
 * throw on stops the start here, named, instead of failing inside the framework, whose log of
 * that error carries the whole URL, password included (the error's `input`).
 */
export function redisUrlProblem(value: string): string | undefined {
  if (!/^rediss?:\/\//.test(value)) return 'REDIS_URL must start with redis:// or rediss://';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not a valid URL (${ENCODE_HINT})`;
  }
  // ioredis would quietly connect to localhost instead.
  if (!url.hostname) return `names no host (${ENCODE_HINT})`;
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return 'a % in the user name or password must start a percent-encoding (%25 for % itself)';
  }
  // What follows the port is the database number: a path there is most often the rest of a
  // password cut at its '/' (redis://user:123/x@host parses as host 'user', port 123).
  if (!/^\/?\d*$/.test(url.pathname)) {
    return `the path must be a database number, as in redis://host:6379/0 (${ENCODE_HINT})`;
  }
  return undefined;
}

/** What is wrong with OPENAI_BASE_URL, or undefined: the SDK needs an http(s) address. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL; give the http(s) address of an OpenAI-compatible API, as in http://localhost:11434/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http:// or https:// URL, not ${url.protocol}`;
  }
  return undefined;
}
