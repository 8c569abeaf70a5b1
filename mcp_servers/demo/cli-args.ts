export type DemoServerOptions =
  | { readonly transport: 'stdio' }
  | { readonly transport: 'http'; readonly port: number }
  | { readonly transport: 'help' };

export const USAGE = `Usage: demo-server [--http PORT]

  (no options)   serve MCP over stdio (stdin/stdout)
  --http PORT    serve MCP Streamable HTTP at http://127.0.0.1:PORT/mcp (0 picks a free port)
  -h, --help     show this help`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '')
    throw new UsageError('--http needs a PORT (0 picks a free port)');
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new UsageError(`Invalid port '${raw}': expected an integer from 0 to 65535`);
  }
  return Number(raw);
}

/** Parses the demo server's command line (without the node binary and script path). */
export function parseArgs(argv: readonly string[]): DemoServerOptions {
  let options: DemoServerOptions = { transport: 'stdio' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { transport: 'help' };
    if (arg === '--http') {
      options = { transport: 'http', port: parsePort(argv[++i]) };
    } else if (arg.startsWith('--http=')) {
      options = { transport: 'http', port: parsePort(arg.slice('--http='.length)) };
    } else {
      throw new UsageError(`Unknown argument '${arg}'`);
    }
  }
  return options;
}
