/**
 * How many times a header came, from the raw list: Node keeps only the first Host or
 * Authorization and joins other repeats with ", ", so the parsed headers cannot tell.
 */
export function countHeader(rawHeaders: readonly string[], lowerCaseName: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName) count++;
  }
  return count;
}
