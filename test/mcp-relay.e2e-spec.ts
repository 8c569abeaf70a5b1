import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import {
  CANCEL_RECORDER,
  CONFORMANCE_SERVER,
  connectStreamableHttp,
  textOf,
} from './helpers/mcp-clients.js';
import { waitFor } from './helpers/processes.js';

/** The conformance fixture behind the gateway: what it does mid-call must reach the caller. */
describe('MCP relays between clients and upstream servers', () => {
  const recordFile = join(mkdtempSync(join(tmpdir(), 'mcp-relay-')), 'cancelled.log');
  let gateway: TestGateway;
  let client: Client;

  beforeAll(async () => {
    gateway = await startGateway({
      servers: {
        conf: { command: 'node', args: [CONFORMANCE_SERVER] },
        recorder: { command: 'node', args: [CANCEL_RECORDER, '--record', recordFile] },
      },
    });
    ({ client } = await connectStreamableHttp(gateway.url));
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });

  it('relays progress notifications of a long call to the caller', async () => {
    const seen: Progress[] = [];
    const result = await client.callTool({ name: 'conf__test_tool_with_progress' }, undefined, {
      onprogress: (p) => seen.push(p),
    });
    expect(result.isError).toBeFalsy();
    expect(seen.map((p) => p.progress)).toEqual([0, 50, 100]);
    expect(seen[2].total).toBe(100);
  });

  it('relays a cancellation to the upstream server', async () => {
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'recorder__wait_until_cancelled', arguments: { label: 'one' } },
      undefined,
      {
        signal: controller.signal,
        // The server reports progress once the call is running: cancel then.
        onprogress: () => controller.abort('test cancels'),
      },
    );
    await expect(call).rejects.toThrow();
    const recorded = () =>
      existsSync(recordFile) && readFileSync(recordFile, 'utf8').includes('cancelled one');
    expect(await waitFor(recorded)).toBe(true);
  });

  it('relays log messages written during a call, at the level the client set', async () => {
    const messages: unknown[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void messages.push(n.params.data),
    );
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'conf__test_tool_with_logging' });
    expect(await waitFor(() => messages.length >= 3)).toBe(true);
    expect(messages).toEqual([
      'Tool execution started',
      'Tool processing data',
      'Tool execution completed',
    ]);
    messages.length = 0;
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'conf__test_tool_with_logging' });
    expect(messages).toEqual([]);
    await client.setLoggingLevel('debug');
  });

  it('relays sampling and elicitation requests to the client that made the call', async () => {
    const other = (await connectStreamableHttp(gateway.url)).client;
    let otherAsked = false;
    other.setRequestHandler(ElicitRequestSchema, () => {
      otherAsked = true;
      return { action: 'decline' };
    });
    client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
      role: 'assistant',
      content: {
        type: 'text',
        text: `sampled: ${JSON.stringify(request.params.messages[0].content)}`,
      },
      model: 'test-model',
    }));
    client.setRequestHandler(ElicitRequestSchema, (request) => ({
      action: 'accept',
      content: { username: 'ada', email: `ada@example.com (${request.params.message})` },
    }));
    try {
      const sampled = await client.callTool({
        name: 'conf__test_sampling',
        arguments: { prompt: 'hi there' },
      });
      expect(textOf(sampled)).toContain('sampled:');
      expect(textOf(sampled)).toContain('hi there');
      const elicited = await client.callTool({
        name: 'conf__test_elicitation',
        arguments: { message: 'who are you?' },
      });
      expect(textOf(elicited)).toContain('action=accept');
      expect(textOf(elicited)).toContain('ada@example.com (who are you?)');
      expect(otherAsked).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('tells a REST caller that sampling needs the MCP door, in so many words', async () => {
    const res = await gateway.post('/mcp/execute', {
      tool_name: 'conf__test_sampling',
      args: { prompt: 'hi there' },
    });
    const said = JSON.stringify(res.body);
    expect(said).toContain('sampling/createMessage needs the calling client to answer it');
    expect(said).toContain('over the MCP door (/mcp, --stdio)');
    expect(said).not.toMatch(/MCP error -?\d+: MCP error/);
  });

  it('aggregates resources: list, read, templates, and updates after subscribe', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining(['test://static-text', 'test://static-binary']),
    );
    expect(resources.find((r) => r.uri === 'test://static-text')?.name).toBe('conf__static-text');
    const text = await client.readResource({ uri: 'test://static-text' });
    expect(text.contents[0]).toMatchObject({ uri: 'test://static-text', mimeType: 'text/plain' });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('test://template/{id}/data');
    const templated = await client.readResource({ uri: 'test://template/42/data' });
    expect(JSON.stringify(templated.contents)).toContain('Data for ID: 42');
    await expect(client.readResource({ uri: 'test://nothing-here' })).rejects.toThrow(
      /^MCP error -32002: (?!MCP error).*Resource not found/,
    );

    const updated: string[] = [];
    client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => void updated.push(n.params.uri),
    );
    await client.subscribeResource({ uri: 'test://watched-resource' });
    expect(await waitFor(() => updated.includes('test://watched-resource'))).toBe(true);
    await client.unsubscribeResource({ uri: 'test://watched-resource' });
  });

  it('aggregates prompts under namespaced names, and completes their arguments', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('conf__test_prompt_with_arguments');
    const prompt = await client.getPrompt({
      name: 'conf__test_prompt_with_arguments',
      arguments: { arg1: 'first', arg2: 'second' },
    });
    expect(JSON.stringify(prompt.messages)).toContain("arg1='first'");
    await expect(client.getPrompt({ name: 'test_simple_prompt' })).rejects.toThrow(/not found/);
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'conf__test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'pa' },
    });
    expect(completion.completion.values).toEqual(['paris', 'park', 'party']);
  });
});
