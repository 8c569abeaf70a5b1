import { duplicateMember, jsonShapeProblem, MAX_JSON_DEPTH } from '../common/json-shape.js';
import { QUEUE_OPS, type QueueOp, type QueueRequest } from './queue-message.js';

export type ParsedPayload =
  | { kind: 'request'; request: QueueRequest }
  /** Has an id, so it is answered with INVALID_REQUEST (or PAYLOAD_TOO_LARGE). */
  | { kind: 'invalid'; id: string; tooLarge: boolean; message: string; details: string[] }
  /** Cannot be answered (no id to answer to): it goes to the dead-letter stream. */
  | { kind: 'poison'; reason: string };

const MAX_ID_LENGTH = 256;
/** A Unix time in ms below this (March 1973) is a time in seconds (until the year 5138). */
const SECONDS_UNTIL = 1e11;
const COMMON_FIELDS = ['id', 'op', 'session_id', 'deadline_ms'];
const OP_FIELDS: Record<QueueOp, string[]> = {
  execute: ['tool_name', 'args', 'timeout_ms'],
  search: ['query', 'limit', 'servers'],
  list_tools: [],
  list_servers: [],
};

type Json = Record<string, unknown>;

/**
 * Reads the `payload` field of a request entry. Optional fields may be absent or null (clients
 * in other languages often serialize "no value" as null); unknown fields are refused, as on REST.
 */
export function parseQueuePayload(raw: string | undefined, maxBytes: number): ParsedPayload {
  if (raw === undefined) return { kind: 'poison', reason: 'the entry has no "payload" field' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { kind: 'poison', reason: `"payload" is not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { kind: 'poison', reason: '"payload" is not a JSON object' };
  // JSON.parse keeps the last of two same-named members; whoever reads the entry otherwise
  // (a monitor, another language's client) may take the first: both would mean other requests.
  const twice = duplicateMember(raw);
  // Which of the two ids to answer is a guess: such an entry cannot be answered.
  if (twice?.name === 'id' && twice.topLevel) {
    return { kind: 'poison', reason: '"payload" names "id" twice' };
  }
  const id = value.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    return {
      kind: 'poison',
      reason: `"payload" has no usable "id" (a non-empty string of at most ${MAX_ID_LENGTH} characters)`,
    };
  }
  const bytes = Buffer.byteLength(raw);
  if (bytes > maxBytes) {
    const message = `Payload of ${bytes} bytes is larger than MAX_BODY_BYTES (${maxBytes})`;
    return { kind: 'invalid', id, tooLarge: true, message, details: [message] };
  }
  const shape = jsonShapeProblem(value, MAX_JSON_DEPTH);
  const problems = shape
    ? [`"payload" ${shape}`]
    : twice !== undefined
      ? [`"payload" names ${JSON.stringify(twice.name.slice(0, 100))} twice in one object`]
      : validate(value);
  if (problems.length > 0) {
    return {
      kind: 'invalid',
      id,
      tooLarge: false,
      message: `Invalid request: ${problems.join('; ')}`,
      details: problems,
    };
  }
  return { kind: 'request', request: withoutNulls(value) as unknown as QueueRequest };
}

function validate(payload: Json): string[] {
  const problems: string[] = [];
  const op = payload.op;
  if (!QUEUE_OPS.includes(op as QueueOp)) {
    return [`"op" must be one of ${QUEUE_OPS.join(', ')}`];
  }
  const allowed = new Set([...COMMON_FIELDS, ...OP_FIELDS[op as QueueOp]]);
  for (const key of Object.keys(payload)) {
    if (!allowed.has(key)) problems.push(`unknown field "${key}" for op "${op as string}"`);
  }
  const check = (
    field: string,
    ok: (v: unknown) => boolean,
    expected: string,
    required = false,
  ) => {
    const v = payload[field];
    if (v === undefined || v === null) {
      if (required) problems.push(`"${field}" is required for op "${op as string}"`);
    } else if (!ok(v)) {
      problems.push(`"${field}" must be ${expected}`);
    }
  };
  check('session_id', isString(1, 256), 'a non-empty string');
  check('deadline_ms', isInt(0, Number.MAX_SAFE_INTEGER), 'a Unix time in milliseconds');
  const deadline = payload.deadline_ms;
  if (typeof deadline === 'number' && deadline > 0 && deadline < SECONDS_UNTIL) {
    // Seconds would make every request "late" by decades and never run: say so instead.
    problems.push(
      `"deadline_ms" must be a Unix time in milliseconds; ${deadline} looks like seconds`,
    );
  }
  switch (op as QueueOp) {
    case 'execute':
      check('tool_name', isString(1, 256), 'a non-empty string', true);
      check('args', isObject, 'a JSON object');
      check('timeout_ms', isInt(1, Number.MAX_SAFE_INTEGER), 'a positive integer');
      break;
    case 'search':
      check('query', isString(1, 4096), 'a non-empty string', true);
      check('limit', isInt(1, 50), 'an integer from 1 to 50');
      check(
        'servers',
        (v) => Array.isArray(v) && v.every(isString(1, 256)),
        'an array of server names',
      );
      break;
    case 'list_tools':
    case 'list_servers':
      break;
  }
  return problems;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isString(min: number, max: number) {
  return (v: unknown): boolean => typeof v === 'string' && v.length >= min && v.length <= max;
}

function isInt(min: number, max: number) {
  return (v: unknown): boolean =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
}

function withoutNulls(payload: Json): Json {
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null));
}
