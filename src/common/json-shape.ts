/**
 * Deeper than any tool's arguments need. Without a bound, a few kilobytes of `[[[[...]]]]`
 * overflow the stack of every recursive step after parsing (validation, transformation).
 */
export const MAX_JSON_DEPTH = 64;

type Found = { problem: 'depth' } | { problem: 'number'; path: string } | undefined;

/**
 * What is wrong with a parsed JSON value that JSON.parse accepted: nested deeper than `max`,
 * or holding a number it could only read as ±Infinity (1e400), which passed on would reach
 * the tool as null. Phrased to follow the name of what was parsed ("JSON body ...").
 */
export function jsonShapeProblem(root: unknown, max: number): string | undefined {
  // Paths are built only to name a number already known to be there: the common, clean body
  // costs one walk and no strings.
  const found = walk(root, max, false);
  if (found?.problem === 'depth') return `is nested deeper than ${max} levels`;
  if (!found) return undefined;
  const at = (walk(root, max, true) as { path: string }).path.slice(1, 201);
  return `has a number too large to represent${at ? ` at ${at}` : ''}`;
}

/** Iterative, so that the check itself cannot overflow the stack it protects. */
function walk(root: unknown, max: number, withPath: boolean): Found {
  const stack: [unknown, number, string][] = [[root, 1, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { problem: 'number', path };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return { problem: 'depth' };
    const isArray = Array.isArray(value);
    for (const [key, child] of Object.entries(value)) {
      if (typeof child !== 'number' && (typeof child !== 'object' || child === null)) continue;
      const childPath = withPath ? (isArray ? `${path}[${key}]` : `${path}.${key}`) : '';
      stack.push([child, depth + 1, childPath]);
    }
  }
  return undefined;
}
