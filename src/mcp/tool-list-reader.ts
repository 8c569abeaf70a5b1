import { PaginatedResultSchema, ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';
import { nestedDeeperThan } from '../common/json-shape.js';
import type { SkippedTool, UpstreamTool } from './upstream-client.js';

/**
 * A tools/list page with its tools unchecked. The SDK's ListToolsResultSchema fails the whole
 * page, and so the whole server, on one bad tool; each tool is checked by itself instead.
 */
export const LooseToolListSchema = PaginatedResultSchema.extend({ tools: z.array(z.unknown()) });

/** Enough of a name, or of a reason, to recognise it; a server controls both. */
const MAX_NAME_CHARS = 100;
const MAX_REASON_CHARS = 300;
const MAX_ISSUES = 3;
/**
 * How deep a tool definition may nest (objects and arrays). Real schemas stay within a few
 * dozen levels; everything that walks a definition (fingerprint, size, validator, search
 * text, JSON answers) may recurse, and a server listing a 1,500-level schema would otherwise
 * overflow the stack in each of them, on every request that reads the catalog.
 */
export const MAX_DEFINITION_DEPTH = 100;

/**
 * Reads a server's tools/list pages: each valid tool is taken, each invalid one (or nested too
 * deep, or whose name was listed before) is left out and recorded with what is wrong with it.
 * Tools past `atMost + 1` are not read: the caller only needs to know there were more.
 */
export class ToolListReader {
  readonly tools: UpstreamTool[] = [];
  readonly skipped: SkippedTool[] = [];
  /** Position in the whole listing, across pages, for tools without a usable name. */
  private position = 0;
  /** Where each name kept was listed, to tell a repeated name where its first one is. */
  private readonly positionOf = new Map<string, number>();

  constructor(private readonly atMost: number) {}

  /** Whether more than `atMost` tools are in hand: paging can stop. */
  get full(): boolean {
    return this.tools.length > this.atMost;
  }

  read(page: readonly unknown[]): void {
    for (const listed of page) {
      if (this.full) return;
      const index = this.position++;
      if (nestedDeeperThan(listed, MAX_DEFINITION_DEPTH)) {
        this.skipped.push({
          tool: labelOf(listed, index),
          reason: `definition nested deeper than ${MAX_DEFINITION_DEPTH} levels`,
        });
        continue;
      }
      const parsed = ToolSchema.safeParse(listed);
      if (!parsed.success) {
        this.skipped.push({ tool: labelOf(listed, index), reason: describeIssues(parsed.error) });
        continue;
      }
      // A blank name cannot be called by name, and would make the catalog name `<server>__`.
      if (parsed.data.name.trim() === '') {
        this.skipped.push({ tool: `#${index}`, reason: 'the name is empty' });
        continue;
      }
      // One name, two definitions: which one a call reaches would be a guess, and the rug-pull
      // guard would take the second for a change of the first. The first one listed is kept.
      const first = this.positionOf.get(parsed.data.name);
      if (first !== undefined) {
        this.skipped.push({
          tool: labelOf(listed, index),
          reason: `listed more than once (#${first} and #${index}); the first definition is kept`,
        });
        continue;
      }
      this.positionOf.set(parsed.data.name, index);
      this.tools.push(parsed.data);
    }
  }
}

function labelOf(listed: unknown, index: number): string {
  const name = (listed as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? clip(name, MAX_NAME_CHARS) : `#${index}`;
}

/** "inputSchema: Invalid input: expected object, received undefined", not a dump of Zod's JSON. */
function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length - MAX_ISSUES;
  return clip(issues.join('; '), MAX_REASON_CHARS) + (more > 0 ? ` (and ${more} more)` : '');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
