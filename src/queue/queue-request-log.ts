import { Logger } from '@nestjs/common';
import { isEnabled, logRequestLine } from '../common/logging/access-log.js';
import { requestContext } from '../common/logging/request-context.js';
import type { QueueRequest, QueueResponse } from './queue-message.js';

const logger = new Logger('Queue');

/**
 * One line per queue request once it is answered, as the access log writes one per HTTP
 * request: id, op, tool, outcome, error code and time. Never the arguments or the query:
 * they may hold private data.
 */
export function logQueueRequest(request: Partial<QueueRequest>, response: QueueResponse): void {
  if (!isEnabled('log')) return;
  const outcome = !response.ok ? 'error' : isToolError(response.result) ? 'tool_error' : 'ok';
  const code = response.ok ? undefined : response.error.code;
  const tool = request.op === 'execute' ? request.tool_name : undefined;
  const op = request.op ?? '(invalid)';
  // The producer chose the id and the tool name: in a text log, a line break in either would
  // forge lines of its own.
  const line = [op, tool && printable(tool), outcome, code, `${response.took_ms}ms`]
    .filter(Boolean)
    .join(' ');
  requestContext.run({ requestId: `queue:${printable(response.id)}` }, () =>
    logRequestLine(logger, 'log', line, {
      id: response.id,
      op,
      ...(tool ? { tool_name: tool } : {}),
      outcome,
      ...(code ? { code } : {}),
      took_ms: response.took_ms,
    }),
  );
}

/** An execute whose tool ran and reported failure: `result.isError`, as on the REST door. */
function isToolError(result: unknown): boolean {
  const inner = (result as { result?: { isError?: unknown } } | null)?.result;
  return inner?.isError === true;
}

/** Control characters shown as JSON escapes (`\n`), so that one value stays on one line. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}
