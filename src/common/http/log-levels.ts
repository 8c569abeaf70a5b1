import type { LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogLevel } from '../../config/env.schema.js';

/** LOG_LEVEL names the least severe level shown; Nest wants the list. */
export function nestLogLevels(level: LogLevel): NestLogLevel[] {
  const ordered: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const cut = { error: 2, warn: 3, info: 4, debug: 5, verbose: 6 }[level];
  return ordered.slice(0, cut);
}
