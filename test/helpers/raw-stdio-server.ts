import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stdio MCP server over raw JSON-RPC, so that a test can make it say what the SDK's servers
 * never would: its tools/list answer is the TOOLS env value (JSON) as given, a call answers
 * `ok <tool>`, and a few tool names misbehave on purpose (fail_generic, fail_timeout_code,
 * exit, hang, huge: HUGE_BYTES of text, deep: structuredContent nested DEEP_LEVELS deep). It prints `starting with $SECRET` to stderr, for
 * tests that check a secret never leaks from there. With RESOURCES=1 it also offers resources:
 * none listed, and a read answered -32002 whose `data` holds the uri and $SECRET. The tool
 * fail_encoded answers an error whose message and `data` repeat $SECRET encoded (percent-encoded
 * in lower case, base64, base64url, hex), as a hostile server might.
 */
export const RAW_STDIO_SERVER = `
  const rl = require('node:readline').createInterface({ input: process.stdin });
  const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n');
  const tools = JSON.parse(process.env.TOOLS);
  console.error('starting with ' + process.env.SECRET);
  rl.on('line', (line) => {
    const m = JSON.parse(line);
    if (m.id === undefined) return;
    if (m.method === 'initialize') {
      const capabilities = process.env.RESOURCES ? { tools: {}, resources: {} } : { tools: {} };
      const result = { protocolVersion: m.params.protocolVersion, capabilities, serverInfo: { name: 'raw', version: '1' } };
      return send({ id: m.id, result });
    }
    if (m.method === 'tools/list') return send({ id: m.id, result: { tools } });
    if (m.method === 'ping') return send({ id: m.id, result: {} });
    if (m.method === 'resources/list') return send({ id: m.id, result: { resources: [] } });
    if (m.method === 'resources/read') {
      const data = { uri: m.params.uri, token: process.env.SECRET };
      return send({ id: m.id, error: { code: -32002, message: 'Resource not found', data } });
    }
    if (m.method !== 'tools/call') return send({ id: m.id, error: { code: -32601, message: 'Method not found' } });
    const name = m.params.name;
    if (name === 'fail_generic') return send({ id: m.id, error: { code: -32000, message: 'database is locked' } });
    if (name === 'fail_timeout_code') return send({ id: m.id, error: { code: -32001, message: 'the backend took too long' } });
    if (name === 'fail_encoded') {
      const secret = process.env.SECRET;
      const bytes = Buffer.from(secret);
      const forms = [
        encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
        encodeURIComponent(secret).toLowerCase(),
        bytes.toString('base64'),
        bytes.toString('base64').replace(/=+$/, ''),
        bytes.toString('base64url'),
        bytes.toString('hex'),
        bytes.toString('hex').toUpperCase(),
      ];
      const error = { code: -32000, message: 'rejected ' + forms.join(' '), data: { forms } };
      return send({ id: m.id, error });
    }
    if (name === 'exit') { console.error('exiting on purpose'); process.exit(1); }
    if (name === 'hang') return;
    if (name === 'deep') {
      // Written as text: JSON.stringify itself overflows past a few thousand levels.
      const levels = Number(process.env.DEEP_LEVELS);
      const value = '{"d":'.repeat(levels) + '{}' + '}'.repeat(levels);
      const result = '{"content":[{"type":"text","text":"deep"}],"structuredContent":' + value + '}';
      return process.stdout.write('{"jsonrpc":"2.0","id":' + JSON.stringify(m.id) + ',"result":' + result + '}\\n');
    }
    if (name === 'huge') {
      const text = 'x'.repeat(Number(process.env.HUGE_BYTES));
      return send({ id: m.id, result: { content: [{ type: 'text', text }] } });
    }
    send({ id: m.id, result: { content: [{ type: 'text', text: 'ok ' + name }] } });
  });`;

/** The script in a file of its own: servers added over the API may not use `node -e`. */
export function rawStdioServerFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mcp-gateway-raw-')), 'raw-server.cjs');
  writeFileSync(file, RAW_STDIO_SERVER);
  return file;
}
