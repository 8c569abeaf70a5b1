import type { McpObject } from '../upstream-client.js';

export const SEARCH_TOOLS = 'search_tools';
export const CALL_TOOL = 'call_tool';
export const META_TOOL_NAMES: ReadonlySet<string> = new Set([SEARCH_TOOLS, CALL_TOOL]);

/**
 * The two tools that make any catalog usable from a small context window: find tools by
 * what they do, then call one by name. Listed in every GATEWAY_MCP_TOOLS mode.
 */
export const META_TOOLS: readonly McpObject[] = [
  {
    name: SEARCH_TOOLS,
    title: 'Search tools',
    description:
      'Search every tool behind this gateway by what you want to do. Returns the best matches, ' +
      'best first, each with its name, description, input schema, score and why it matched. ' +
      `Call a match with ${CALL_TOOL}.`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, description: 'What you want to do, in words' },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: 50,
          default: 5,
          description: 'How many tools to return',
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: CALL_TOOL,
    title: 'Call a tool',
    description:
      `Call any tool behind this gateway by the name ${SEARCH_TOOLS} gave, with its arguments. ` +
      'Returns that tool’s own result.',
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, description: 'The tool name' },
        arguments: {
          type: 'object',
          description: 'Arguments matching the tool’s input schema',
          additionalProperties: true,
        },
      },
      required: ['name'],
      additionalProperties: false,
    },
  },
];

export interface SearchToolsArgs {
  query: string;
  limit?: number;
}

export interface CallToolArgs {
  name: string;
  arguments: Record<string, unknown>;
}

/** Parses search_tools arguments; a string is a message for the caller. */
export function parseSearchArgs(args: McpObject): SearchToolsArgs | string {
  const { query, limit, ...rest } = args;
  if (Object.keys(rest).length > 0) return `unknown argument(s): ${Object.keys(rest).join(', ')}`;
  if (typeof query !== 'string' || query.trim() === '') return '"query" must be a non-empty string';
  if (
    limit !== undefined &&
    (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 50)
  ) {
    return '"limit" must be an integer from 1 to 50';
  }
  return { query, limit: limit as number | undefined };
}

/** Parses call_tool arguments; a string is a message for the caller. */
export function parseCallArgs(args: McpObject): CallToolArgs | string {
  const { name, arguments: toolArgs, ...rest } = args;
  if (Object.keys(rest).length > 0) return `unknown argument(s): ${Object.keys(rest).join(', ')}`;
  if (typeof name !== 'string' || name === '') return '"name" must be a non-empty string';
  if (
    toolArgs !== undefined &&
    (typeof toolArgs !== 'object' || toolArgs === null || Array.isArray(toolArgs))
  ) {
    return '"arguments" must be an object';
  }
  return { name, arguments: (toolArgs as Record<string, unknown> | undefined) ?? {} };
}
