/**
 * Whether an error says Redis could not be reached or did not answer in time (as opposed to
 * a bad command): ioredis's own messages with no offline queue and a command timeout.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    // A pipeline or transaction cut in two by a dropped link.
    error.name === 'AbortError' ||
    /^(Command timed out|Connection is closed|Stream isn't writeable)/.test(error.message)
  );
}
