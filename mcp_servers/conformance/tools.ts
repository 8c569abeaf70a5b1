import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { CONTACT_SCHEMA, DEFAULTS_SCHEMA, ENUMS_SCHEMA } from './elicitation-schemas.js';
import { PNG_BASE64, WAV_BASE64 } from './media.js';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

interface FixtureTool extends Tool {
  run: (args: Record<string, unknown>, extra: Extra) => CallToolResult | Promise<CallToolResult>;
}

const NO_ARGS = { type: 'object' as const, properties: {} };
const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function elicit(
  extra: Extra,
  message: string,
  requestedSchema: object,
): Promise<CallToolResult> {
  const result = await extra.sendRequest(
    {
      method: 'elicitation/create',
      params: { mode: 'form', message, requestedSchema },
    } as ServerRequest,
    ElicitResultSchema,
  );
  return text(
    `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
  );
}

/** The tools the conformance scenarios call, by the names they use. */
export const TOOLS: FixtureTool[] = [
  {
    name: 'test_simple_text',
    description: 'Returns one text block',
    inputSchema: NO_ARGS,
    run: () => text('This is a simple text response for testing.'),
  },
  {
    name: 'test_image_content',
    description: 'Returns one PNG image',
    inputSchema: NO_ARGS,
    run: () => ({ content: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }] }),
  },
  {
    name: 'test_audio_content',
    description: 'Returns one WAV clip',
    inputSchema: NO_ARGS,
    run: () => ({ content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }] }),
  },
  {
    name: 'test_embedded_resource',
    description: 'Returns an embedded text resource',
    inputSchema: NO_ARGS,
    run: () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  },
  {
    name: 'test_multiple_content_types',
    description: 'Returns text, an image and an embedded resource',
    inputSchema: NO_ARGS,
    run: () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  },
  {
    name: 'test_tool_with_logging',
    description: 'Logs three info messages while it runs',
    inputSchema: NO_ARGS,
    run: async (_, extra) => {
      for (const [i, data] of [
        'Tool execution started',
        'Tool processing data',
        'Tool execution completed',
      ].entries()) {
        if (i > 0) await sleep(50);
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level: 'info', data },
        });
      }
      return text('Tool with logging executed successfully');
    },
  },
  {
    name: 'test_tool_with_progress',
    description: 'Reports progress 0, 50 and 100 of 100',
    inputSchema: NO_ARGS,
    run: async (_, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50);
        if (progressToken === undefined) continue;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress, total: 100, message: `${progress}%` },
        });
      }
      return text(`progress reported for token ${String(progressToken)}`);
    },
  },
  {
    name: 'test_error_handling',
    description: 'Always fails, as a tool error',
    inputSchema: NO_ARGS,
    run: () => ({
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
      isError: true,
    }),
  },
  {
    name: 'test_reconnection',
    description: 'Closes its SSE stream mid-call, then answers (SEP-1699 polling)',
    inputSchema: NO_ARGS,
    run: async (_, extra) => {
      extra.closeSSEStream?.();
      await sleep(100);
      return text('Reconnection test completed successfully.');
    },
  },
  {
    name: 'test_sampling',
    description: 'Asks the client to sample a model',
    inputSchema: {
      type: 'object',
      properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } },
      required: ['prompt'],
    },
    run: async (args, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: String(args.prompt) } }],
            maxTokens: 100,
          },
        },
        CreateMessageResultSchema,
      );
      const content = result.content as { text?: string };
      return text(`LLM response: ${content.text ?? 'no text'}`);
    },
  },
  {
    name: 'test_elicitation',
    description: 'Asks the user for a name and an email',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'The message to show the user' } },
      required: ['message'],
    },
    run: (args, extra) => elicit(extra, String(args.message), CONTACT_SCHEMA),
  },
  {
    name: 'test_elicitation_sep1034_defaults',
    description: 'Elicits fields that all have defaults (SEP-1034)',
    inputSchema: NO_ARGS,
    run: (_, extra) =>
      elicit(extra, 'Please review the fields and their defaults', DEFAULTS_SCHEMA),
  },
  {
    name: 'test_elicitation_sep1330_enums',
    description: 'Elicits the five enum shapes (SEP-1330)',
    inputSchema: NO_ARGS,
    run: (_, extra) => elicit(extra, 'Please pick from the enum fields', ENUMS_SCHEMA),
  },
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features (SEP-1613)',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    },
    run: (args) => text(`called with ${JSON.stringify(args)}`),
  },
];
