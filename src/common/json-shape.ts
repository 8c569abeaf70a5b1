/**
 * Deeper than any tool's arguments need. Without a bound, a few kilobytes of `[[[[...]]]]`
 * overflow the stack of every recursive step after parsing (validation, transformation).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * What is wrong with a parsed JSON value that JSON.parse accepted: nested deeper than `max`,
 * or holding a number it could only read as ±Infinity (1e400), which passed on would reach
 * the tool as null. Phrased to follow the name of what was parsed ("JSON body ..."). Iterative,
 * so that the check itself cannot overflow the stack it protects.
 */
export function jsonShapeProblem(root: unknown, max: number): string | undefined {
  const stack: [unknown, number, string][] = [[root, 1, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return `has a number too large to represent${path ? ` at ${path.slice(1, 201)}` : ''}`;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return `is nested deeper than ${max} levels`;
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'number' || (typeof child === 'object' && child !== null)) {
        stack.push([child, depth + 1, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`]);
      }
    }
  }
  return undefined;
}
