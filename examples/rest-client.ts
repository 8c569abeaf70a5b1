/**
 * A minimal REST client of the gateway: lists the catalog, then runs two tools.
 *   npm start            # in one terminal
 *   npx tsx examples/rest-client.ts [http://localhost:8000]
 */
const base = process.argv[2] ?? 'http://localhost:8000';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach the gateway at ${base} (is \`npm start\` running?): ${why}`, {
      cause: error,
    });
  });
  const json = (await res.json()) as T & { message?: string; code?: string };
  if (!res.ok)
    throw new Error(`${method} ${path}: ${res.status} ${json.code ?? ''} ${json.message ?? ''}`);
  return json;
}

interface ToolList {
  tools: { name: string; description: string }[];
}
interface Executed {
  result: { content: { type: string; text?: string }[]; isError?: boolean };
  took_ms: number;
}

try {
  await main();
} catch (error) {
  // The gateway's answer says what went wrong; a stack trace of this script would not.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

async function main(): Promise<void> {
  const { tools } = await call<ToolList>('GET', '/mcp/tools');
  for (const tool of tools)
    console.log(`${tool.name}: ${tool.description.split('\n')[0].slice(0, 80)}`);

  const sum = await call<Executed>('POST', '/mcp/execute', {
    tool_name: 'demo__calculator',
    args: { expression: '2 * (3 + 4)' },
  });
  console.log('calculator ->', sum.result.content[0].text, `(${sum.took_ms} ms)`);

  // The namespaced name: a bare `time` is refused (409 TOOL_AMBIGUOUS) once a second server has one.
  const time = await call<Executed>('POST', '/mcp/execute', {
    tool_name: 'demo__time',
    args: { timezone: 'Asia/Tokyo' },
  });
  console.log('time ->', time.result.content[0].text);
}
