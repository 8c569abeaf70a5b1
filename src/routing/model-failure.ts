import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/** A model answered, but not in the shape asked for. */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError';
}

/**
 * The query's vector and the tools' differ in length: the model changed, or answers
 * queries and batches in different dimensions. Their similarity means nothing.
 */
export class DimensionMismatchError extends Error {
  override readonly name = 'DimensionMismatchError';
}

/** Our own deadline passed before the model answered. */
export class ModelTimeoutError extends Error {
  override readonly name = 'ModelTimeoutError';
}

/**
 * A short, secret-free reason for a fallback, shown in `strategy` (e.g. "timeout",
 * "HTTP 500"). Never the provider's message: it may echo the request or the key's owner.
 */
export function failureReason(error: unknown): string {
  if (error instanceof ModelTimeoutError || error instanceof APIConnectionTimeoutError) {
    return 'timeout';
  }
  if (error instanceof APIUserAbortError) return 'aborted';
  if (error instanceof DimensionMismatchError) return 'dimension mismatch';
  if (error instanceof APIConnectionError) return 'unreachable';
  if (error instanceof APIError && typeof error.status === 'number') return `HTTP ${error.status}`;
  // By name, not instanceof: a body parse error may come from another realm (fetch internals).
  if (error instanceof MalformedAnswerError || (error as Error | null)?.name === 'SyntaxError') {
    return 'malformed answer';
  }
  return 'error';
}

/** Rejects with ModelTimeoutError after `ms` unless `work` settles first; clears its timer. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
