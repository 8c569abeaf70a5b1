/**
 * The message of anything thrown. Duck-typed rather than `instanceof Error`, because errors
 * from Node internals (fetch, child_process) may come from another realm (vm contexts, jest).
 */
export function errorMessage(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return (error as { message: string }).message;
  }
  return String(error);
}

export function errorCause(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { cause?: unknown }).cause
    : undefined;
}
