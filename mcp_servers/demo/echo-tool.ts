import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { toolError, toolResult } from './results.js';

export const MAX_ECHO_DELAY_MS = 600_000;

export function registerEchoTool(server: McpServer): void {
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description:
        'Returns the given message unchanged. With `delay_ms` it waits that long before answering ' +
        '(useful to test timeouts and cancellation; cancelling the request stops the wait).',
      inputSchema: {
        message: z.string().describe('The text to send back.'),
        delay_ms: z
          .number()
          .int()
          .min(0)
          .max(MAX_ECHO_DELAY_MS)
          .optional()
          .describe(`Milliseconds to wait before answering, 0 to ${MAX_ECHO_DELAY_MS}. Default 0.`),
      },
      outputSchema: {
        message: z.string().describe('The message, unchanged'),
        delay_ms: z.number().describe('How long the server waited before answering, in ms'),
      },
      annotations: { title: 'Echo', readOnlyHint: true, openWorldHint: false },
    },
    async ({ message, delay_ms: delayMs = 0 }, { signal }) => {
      if (delayMs > 0) {
        try {
          await sleep(delayMs, undefined, { signal });
        } catch (error) {
          // Once the request is cancelled the SDK discards whatever we return; this is for completeness.
          if (signal.aborted)
            return toolError(`echo was cancelled before its ${delayMs} ms delay elapsed`);
          throw error;
        }
      }
      return toolResult(message, { message, delay_ms: delayMs });
    },
  );
}
