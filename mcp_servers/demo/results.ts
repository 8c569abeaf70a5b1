import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool-level failure: reported to the model as a result with `isError: true`, not a protocol error. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** A successful result carrying both a text rendering and the matching `structuredContent`. */
export function toolResult(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}
