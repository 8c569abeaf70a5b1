import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Built by `npm test`'s pretest step; the e2e tests run the real compiled server. */
export const DEMO_SERVER = resolve(REPO_ROOT, 'dist/mcp_servers/demo-server.js');
export const EVERYTHING_SERVER = resolve(
  REPO_ROOT,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

export function demoStdioSpec(env: Record<string, string> = {}) {
  return { command: 'node', args: [DEMO_SERVER], ...(Object.keys(env).length ? { env } : {}) };
}
