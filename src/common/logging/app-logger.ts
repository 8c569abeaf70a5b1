import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { nestLogLevels } from '../http/log-levels.js';
import { useStructuredAccessLog } from './access-log.js';
import { withFrameworkChatterAtDebug } from './framework-chatter.js';
import { createPinoLogger, PinoLoggerService } from './pino-logger.js';

/**
 * The logger for the whole app, from LOG_FORMAT and LOG_LEVEL. `stderr` is for the stdio
 * door, where stdout carries the protocol and must hold nothing else.
 */
export function createAppLogger(
  config: GatewayConfig,
  to: 'stdout' | 'stderr' = 'stdout',
): LoggerService {
  useStructuredAccessLog(config.logFormat === 'json', nestLogLevels(config.logLevel));
  if (config.logFormat === 'json') {
    return withFrameworkChatterAtDebug(
      new PinoLoggerService(createPinoLogger(config.logLevel, to === 'stderr' ? 2 : 1)),
    );
  }
  // Colours for a person at a terminal only: piped into a file or a pager they are noise.
  const stream = to === 'stderr' ? process.stderr : process.stdout;
  const colors = stream.isTTY === true && !process.env.NO_COLOR;
  const logger = new ConsoleLogger({ logLevels: nestLogLevels(config.logLevel), colors });
  if (to === 'stderr') {
    // ConsoleLogger writes info lines to stdout; route everything to stderr instead.
    const print = logger['printMessages'].bind(logger) as (...args: unknown[]) => void;
    logger['printMessages'] = (messages: unknown[], context?: string, logLevel?: string) =>
      print(messages, context, logLevel, 'stderr');
  }
  return withFrameworkChatterAtDebug(logger);
}
