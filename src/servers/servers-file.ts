import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage } from '../common/errors/error-message.js';
import { parseServersConfigText, type NamedSpec } from './server-spec.parser.js';

/**
 * Reads the servers file. Relative `cwd` values and a missing `cwd` resolve against the
 * file's folder, so `servers.json` can name scripts beside it wherever the gateway starts.
 */
export async function readServersFile(path: string): Promise<NamedSpec[]> {
  const text = await readFile(path, 'utf8');
  try {
    return parseServersConfigText(text, dirname(path));
  } catch (error) {
    throw new Error(
      `Invalid configuration:\n  MCP_SERVERS_CONFIG=${path}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
