import { isJsonObject } from '../../common/json-shape.js';

/**
 * Pulls the searchable text out of a tool's JSON Schema: property names and
 * property descriptions (plus string enum values, which often name the
 * operations a tool supports). Walks nested objects and array items, bounded
 * in depth and count because upstream schemas are untrusted and can be huge
 * or cyclic once parsed into objects.
 */
export interface SchemaText {
  names: string[];
  descriptions: string[];
}

const MAX_DEPTH = 4;
const MAX_PROPERTIES = 64;
const MAX_ENUM_VALUES = 16;
const MAX_TEXT = 1_000;

export function schemaText(schema: Record<string, unknown>): SchemaText {
  const out: SchemaText = { names: [], descriptions: [] };
  const seen = new Set<object>();
  let budget = MAX_PROPERTIES;

  const visit = (node: unknown, depth: number): void => {
    if (!isJsonObject(node) || depth > MAX_DEPTH || seen.has(node) || budget <= 0) return;
    seen.add(node);
    const props = node.properties;
    if (isJsonObject(props)) {
      for (const [name, child] of Object.entries(props)) {
        if (budget-- <= 0) return;
        out.names.push(name);
        if (!isJsonObject(child)) continue;
        if (typeof child.description === 'string') {
          out.descriptions.push(child.description.slice(0, MAX_TEXT));
        }
        if (Array.isArray(child.enum)) {
          for (const value of child.enum.slice(0, MAX_ENUM_VALUES)) {
            if (typeof value === 'string') out.descriptions.push(value.slice(0, MAX_TEXT));
          }
        }
        visit(child, depth + 1);
      }
    }
    visit(node.items, depth + 1);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const list = node[key];
      if (Array.isArray(list)) for (const alt of list.slice(0, 8)) visit(alt, depth + 1);
    }
  };

  visit(schema, 0);
  return out;
}
