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
  const line = [op, tool, outcome, code, `${response.took_ms}ms`].filter(Boolean).join(' ');
  requestContext.run({ requestId: `queue:${response.id}` }, () =>
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
