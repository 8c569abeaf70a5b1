/** The echo tool's answer is checked on every call: a fast wrong answer is an error. */
export function checkEchoResult(result: unknown, message: string): void {
  const r = result as
    | {
        content?: { type?: string; text?: string }[];
        structuredContent?: { message?: unknown };
        isError?: boolean;
      }
    | undefined;
  if (!r || r.isError) throw new Error(`echo failed: ${JSON.stringify(result).slice(0, 200)}`);
  const text = r.content?.[0]?.text;
  if (text !== message) throw new Error(`echo answered ${JSON.stringify(text)}, not ${message}`);
  if (r.structuredContent && r.structuredContent.message !== message) {
    throw new Error('echo structuredContent does not match');
  }
}
