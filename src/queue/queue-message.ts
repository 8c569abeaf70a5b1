import type { ErrorCode } from '../common/errors/error-code.js';

/**
 * The queue's wire format (a public contract, documented in docs/readme-sections/queue.md).
 * Field names are snake_case like the REST bodies, so one client model serves both doors.
 */
export const QUEUE_OPS = ['execute', 'search', 'list_tools', 'list_servers'] as const;
export type QueueOp = (typeof QUEUE_OPS)[number];

interface QueueRequestBase {
  id: string;
  session_id?: string;
  /** Absolute time (Unix epoch milliseconds) after which the answer is no longer wanted. */
  deadline_ms?: number;
}

export interface ExecuteQueueRequest extends QueueRequestBase {
  op: 'execute';
  tool_name: string;
  args?: Record<string, unknown>;
  timeout_ms?: number;
}

export interface SearchQueueRequest extends QueueRequestBase {
  op: 'search';
  query: string;
  limit?: number;
  servers?: string[];
}

export interface ListToolsQueueRequest extends QueueRequestBase {
  op: 'list_tools';
}

export interface ListServersQueueRequest extends QueueRequestBase {
  op: 'list_servers';
}

export type QueueRequest =
  ExecuteQueueRequest | SearchQueueRequest | ListToolsQueueRequest | ListServersQueueRequest;

export interface QueueError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export type QueueResponse =
  | { id: string; ok: true; result: unknown; took_ms: number }
  | { id: string; ok: false; error: QueueError; took_ms: number };

/** The tool-call timeout a request asks for: its timeout_ms, shortened to meet its deadline. */
export function effectiveTimeoutMs(
  request: ExecuteQueueRequest,
  now = Date.now(),
): number | undefined {
  const untilDeadline =
    request.deadline_ms === undefined ? undefined : Math.max(1, request.deadline_ms - now);
  if (untilDeadline === undefined) return request.timeout_ms;
  return Math.min(untilDeadline, request.timeout_ms ?? untilDeadline);
}
