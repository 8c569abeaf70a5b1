import type { LoggerService } from '@nestjs/common';

/**
 * Nest's start-up narration: one line per module, controller and route (about fifty on this
 * app). Useful when debugging the wiring, noise in an operator's logs on every start, so
 * it is written at debug level; the gateway's own lines and Nest's warnings and errors are
 * untouched.
 */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** `logger`, with Nest's start-up narration moved from info to debug (LOG_LEVEL=debug shows it). */
export function withFrameworkChatterAtDebug(logger: LoggerService): LoggerService {
  const log = logger.log.bind(logger);
  const debug = logger.debug?.bind(logger);
  logger.log = (message: unknown, ...rest: unknown[]) => {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) {
      debug?.(message, ...rest);
      return;
    }
    log(message, ...rest);
  };
  return logger;
}
