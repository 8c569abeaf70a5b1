import type { LoggerService, LogLevel } from '@nestjs/common';

/**
 * Nest's start-up narration: one line per module, controller and route (about fifty on this
 * app), and "Starting Nest application", "Nest application successfully started" and "Nest
 * microservice successfully started" (the queue consumer, in-process without Redis: a reader
 * would look for a Redis it never configured). Useful when debugging the wiring, noise in an
 * operator's logs on every start, where the gateway's own "Listening on" and "Ready in" say
 * it; so it is written at debug level. Nest's warnings and errors are untouched.
 */
const CHATTY_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
  'NestMicroservice',
]);

/**
 * A logger in front of another that moves Nest's start-up narration from info to debug.
 * Every call goes to the inner logger's method as it is at the time of the call (never a
 * copy bound at start), so whatever replaces or wraps that method later still sees it.
 */
class FrameworkChatterAtDebug implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) {
      this.inner.debug?.(message, ...rest);
      return;
    }
    this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
  setLogLevels(levels: LogLevel[]): void {
    this.inner.setLogLevels?.(levels);
  }
}

/** `logger`, with Nest's start-up narration moved from info to debug (LOG_LEVEL=debug shows it). */
export function withFrameworkChatterAtDebug(logger: LoggerService): LoggerService {
  return new FrameworkChatterAtDebug(logger);
}
