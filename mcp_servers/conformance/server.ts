import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { getPrompt, PROMPTS } from './prompts.js';
import { readResource, RESOURCES, TEMPLATES } from './resources.js';
import { TOOLS } from './tools.js';

const RESOURCE_NOT_FOUND = -32002;
const COMPLETIONS = ['paris', 'park', 'party', 'test', 'testing'];

/**
 * One MCP server with everything the server scenarios of @modelcontextprotocol/conformance
 * check: tools of every content kind, logging, progress, sampling and elicitation during a
 * call, resources (templates, subscriptions), prompts and completion. One per client.
 */
export function createConformanceServer(): Server {
  const server = new Server(
    { name: 'conformance-fixture', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );
  const subscribed = new Set<string>();

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map(({ run: _run, ...tool }) => tool),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = TOOLS.find((t) => t.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    return tool.run(request.params.arguments ?? {}, extra);
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: RESOURCES }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: TEMPLATES,
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const result = readResource(request.params.uri);
    if (!result) {
      throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${request.params.uri}`, {
        uri: request.params.uri,
      });
    }
    return result;
  });
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    const uri = request.params.uri;
    subscribed.add(uri);
    // One update soon after, so a client (or a gateway in between) can see updates flow.
    setTimeout(() => {
      if (subscribed.has(uri)) server.sendResourceUpdated({ uri }).catch(() => undefined);
    }, 50);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: PROMPTS }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const result = getPrompt(request.params.name, request.params.arguments ?? {});
    if (!result)
      throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
    return result;
  });

  server.setRequestHandler(CompleteRequestSchema, (request) => {
    const values = COMPLETIONS.filter((v) => v.startsWith(request.params.argument.value));
    return { completion: { values, total: values.length, hasMore: false } };
  });
  server.setRequestHandler(SetLevelRequestSchema, () => ({}));
  return server;
}
