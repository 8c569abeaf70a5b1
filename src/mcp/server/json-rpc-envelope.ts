import type { IncomingMessage } from 'node:http';
import {
  InitializeRequestParamsSchema,
  JSONRPCMessageSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { describeIssues } from './schema-issues.js';
import { isJsonObject } from '../../common/json-shape.js';

/*
 * Why a request body is refused, in the client's terms. JSON-RPC keeps -32700 (Parse error)
 * for text that is not JSON; JSON that is not a message is -32600 (Invalid Request), and a
 * client debugging its framing needs to be told which part is wrong.
 */

/** As the SDK: a batch larger than this is refused before any of it runs. */
const MAX_BATCH_SIZE = 100;

/**
 * A body's messages (one, or a batch) and those that are messages but for their params; or,
 * when any of it is no message, why, and then none of it runs. The MCP doors that take
 * batches (/mcp and stdio) read them alike.
 */
export function readMessages(
  body: unknown,
): { messages: JSONRPCMessage[]; badParams: BadParams[] } | string {
  // JSON-RPC: an empty array is an invalid request, answered with one error.
  if (Array.isArray(body) && body.length === 0) return 'the batch is empty (an empty JSON array)';
  if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
    return `Batch must not exceed ${MAX_BATCH_SIZE} messages`;
  }
  const items: unknown[] = Array.isArray(body) ? body : [body];
  const messages: JSONRPCMessage[] = [];
  const badParams: BadParams[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = JSONRPCMessageSchema.safeParse(item);
    if (parsed.success) {
      messages.push(parsed.data);
      continue;
    }
    const misplaced = misplacedParams(item);
    if (misplaced) {
      badParams.push(misplaced);
      continue;
    }
    const problem = messageProblem(item) ?? 'not a JSON-RPC 2.0 message';
    return Array.isArray(body) ? `message ${index + 1} of the batch: ${problem}` : problem;
  }
  return { messages, badParams };
}

/** Why `value` is not a JSON-RPC 2.0 message as MCP takes them; undefined when it is one. */
export function messageProblem(value: unknown): string | undefined {
  if (JSONRPCMessageSchema.safeParse(value).success) return undefined;
  if (!isJsonObject(value)) return `a message must be a JSON object, not ${shown(value)}`;
  if (value.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if ('id' in value) {
    const problem = idProblem(value.id);
    if (problem) return problem;
  }
  if ('method' in value && typeof value.method !== 'string') return 'method must be a string';
  if ('params' in value && !isJsonObject(value.params)) return 'params must be an object';
  const unknown = Object.keys(value).filter((key) => !ENVELOPE_MEMBERS.has(key));
  if (unknown.length > 0) {
    return `${unknown.map((key) => JSON.stringify(key.slice(0, 100))).join(', ')} ${unknown.length > 1 ? 'are not members' : 'is not a member'} of a JSON-RPC 2.0 message (${[...ENVELOPE_MEMBERS].join(', ')})`;
  }
  return 'not a JSON-RPC 2.0 request, notification or response (a member is missing, of the wrong type, or not one of theirs)';
}

/** The members a JSON-RPC 2.0 message may have, one kind of message or another. */
const ENVELOPE_MEMBERS = new Set(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);

/** A request or notification that is a message but for its params; see misplacedParams. */
export interface BadParams {
  /** Undefined for a notification, which is not answered. */
  id?: RequestId;
  method: string;
  /** Why, as the -32602 answer says it. */
  message: string;
}

/**
 * A message whose only fault is params that are not an object (an array, a string, null), or
 * an object the envelope refuses (a `_meta.progressToken` that is neither a string nor a
 * number). JSON allows positional params, MCP takes none: its methods' params are objects. Such a message is
 * readable, so a request is answered -32602 (Invalid params) with its own id, as any method
 * answers params it cannot take, rather than -32600 with a null id as if it could not be read.
 * A notification gets no answer. Undefined for any other message.
 */
export function misplacedParams(value: unknown): BadParams | undefined {
  if (!isJsonObject(value) || !('params' in value)) return undefined;
  // A message as it is (its params, if wrong, are for its method to refuse), or not one even
  // with other params.
  if (JSONRPCMessageSchema.safeParse(value).success) return undefined;
  if (!JSONRPCMessageSchema.safeParse({ ...value, params: {} }).success) return undefined;
  if (typeof value.method !== 'string') return undefined;
  const id = 'id' in value ? requestIdOf(value) : undefined;
  // An object the envelope refuses: its _meta (a progressToken of the wrong type, say).
  const why = isJsonObject(value.params)
    ? envelopeParamsProblem(value)
    : `params must be an object, not ${shown(value.params)}`;
  return {
    id: id ?? undefined,
    method: value.method,
    message: `Invalid params for ${value.method}: ${why}`,
  };
}

/** What the JSON-RPC envelope's own schema refuses in a message's params object. */
function envelopeParamsProblem(value: Record<string, unknown>): string {
  const schema = 'id' in value ? JSONRPCRequestSchema : JSONRPCNotificationSchema;
  const parsed = schema.safeParse(value);
  return parsed.success ? 'they do not match the schema' : describeIssues(parsed.error);
}

/**
 * MCP ids are strings or integers, never null. An integer past ±(2^53 - 1) does not survive
 * JSON parsing exactly, so the answer would carry another id and the client could not match it.
 */
function idProblem(id: unknown): string | undefined {
  if (typeof id === 'string' || Number.isSafeInteger(id)) return undefined;
  if (Number.isInteger(id)) {
    // Not quoted: what JSON parsing made of it is already another number than the one sent.
    return `id is an integer outside ±(2^53 - 1), where JSON numbers lose precision, so its answer could not be matched to it; use a smaller integer or a string`;
  }
  return `id must be a string or an integer, not ${shown(id)}`;
}

/** Why an initialize request cannot open a session (clientInfo missing, say); undefined if it can. */
export function initializeProblem(params: unknown): string | undefined {
  if (!isJsonObject(params)) {
    return 'Invalid params for initialize: params must be an object with protocolVersion, capabilities and clientInfo';
  }
  const parsed = InitializeRequestParamsSchema.safeParse(params);
  if (parsed.success) return undefined;
  return `Invalid params for initialize: ${describeIssues(parsed.error)}`;
}

/**
 * An empty body is no JSON, so a parse error (-32700), though what reaches the door for it is
 * whatever the body parser makes of nothing (`{}`, which would read as a broken message).
 */
export function hasNoBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] === '0';
}

/** The id of a message to answer, when it has a usable one. */
export function requestIdOf(value: unknown): RequestId | null {
  const id = isJsonObject(value) ? value.id : undefined;
  return typeof id === 'string' || Number.isSafeInteger(id) ? (id as RequestId) : null;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a value of type ${typeof value}`;
}
