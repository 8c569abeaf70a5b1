/**
 * Deeper than any tool's arguments need. Without a bound, a few kilobytes of `[[[[...]]]]`
 * overflow the stack of every recursive step after parsing (validation, transformation).
 */
export const MAX_JSON_DEPTH = 64;

/** A JSON object: neither null nor an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Found = { problem: 'depth' } | { problem: 'number' | 'proto'; path: string } | undefined;

/**
 * What is wrong with a parsed JSON value that JSON.parse accepted: nested deeper than `max`,
 * holding a number it could only read as ±Infinity (1e400), which passed on would reach the
 * tool as null, or a member named `__proto__`, which the first copy into a plain object drops
 * silently (past a schema's additionalProperties: false). Phrased to follow the name of what
 * was parsed ("JSON body ...").
 */
export function jsonShapeProblem(root: unknown, max: number): string | undefined {
  // Paths are built only to name a number already known to be there: the common, clean body
  // costs one walk and no strings.
  const found = walk(root, max, true, false);
  if (found?.problem === 'depth') return `is nested deeper than ${max} levels`;
  if (!found) return undefined;
  const at = (walk(root, max, true, true) as { path: string }).path.slice(1, 201);
  if (found.problem === 'proto') {
    return `has a member named "__proto__"${at ? ` in ${at}` : ''}, which is refused`;
  }
  return `has a number too large to represent${at ? ` at ${at}` : ''}`;
}

/** Whether objects and arrays nest past `max` levels (numbers are not looked at). */
export function nestedDeeperThan(root: unknown, max: number): boolean {
  return walk(root, max, false, false)?.problem === 'depth';
}

/** Iterative, so that the check itself cannot overflow the stack it protects. */
function walk(root: unknown, max: number, numbers: boolean, withPath: boolean): Found {
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
      if (!isArray && key === '__proto__') return { problem: 'proto', path };
      const walked = (numbers && typeof child === 'number') || typeof child === 'object';
      if (!walked || child === null) continue;
      const childPath = withPath ? (isArray ? `${path}[${key}]` : `${path}.${key}`) : '';
      stack.push([child, depth + 1, childPath]);
    }
  }
  return undefined;
}

/**
 * The first member name that one object of `text` gives twice, if any. JSON.parse keeps the
 * last value silently, while a proxy or policy in front may have read the first: the two would
 * act on different requests. `text` must be JSON that JSON.parse accepted (call it after).
 * One pass, no recursion; names compare as decoded ("a" and "\u0061" are the same).
 */
export function duplicateMemberName(text: string): string | undefined {
  return duplicateMember(text)?.name;
}

/** duplicateMemberName, saying whether the object that names it twice is the outermost one. */
export function duplicateMember(text: string): { name: string; topLevel: boolean } | undefined {
  // One entry per open container: the names seen so far in an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let atName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = open[open.length - 1];
      if (atName && names) {
        const raw = text.slice(i + 1, end);
        let name = raw;
        try {
          if (raw.includes('\\')) name = JSON.parse(`"${raw}"`) as string;
        } catch {
          return undefined; // not JSON after all: nothing to say about it
        }
        if (names.has(name)) return { name, topLevel: open.length === 1 };
        names.add(name);
        atName = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      atName = true;
    } else if (c === '[') {
      open.push(null);
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',') {
      atName = open[open.length - 1] != null;
    }
  }
  return undefined;
}
