import { errorMessage } from '../errors/error-message.js';

/**
 * The last words of a gateway that could not start, on stderr. The logger may not exist yet
 * (a bad configuration is the usual cause), so this reads LOG_FORMAT itself: with `json` a log
 * pipeline gets one JSON object like every other line; a person at a terminal, or
 * LOG_FORMAT=text, gets the message plainly, without a stack.
 */
export function reportStartFailure(error: unknown): void {
  const message = `mcp-gateway failed to start: ${errorMessage(error)}`;
  const plain = process.env.LOG_FORMAT === 'text' || process.stderr.isTTY === true;
  const line = plain
    ? message
    : JSON.stringify({
        level: 'fatal',
        time: new Date().toISOString(),
        service: 'mcp-gateway',
        context: 'Gateway',
        msg: message,
      });
  process.stderr.write(`${line}\n`);
}
