import type { Readable } from 'node:stream';

/**
 * A line that says what went wrong. Servers often print their error and then their usage, or
 * a stack trace, after it: the last lines alone would lose the one that matters.
 */
const ERROR_LINE =
  /\b(error|unknown|invalid|cannot|can't|could not|failed|fatal|exception|not found|denied|missing|required|unexpected|E[A-Z]{3,})\b/i;
const MAX_LINE_CHARS = 500;

/**
 * Keeps the last few KB a stdio server wrote to stderr, and its last line that reads as an
 * error, so a failed start or a crash can be reported with the server's own words.
 */
export class StderrTail {
  private text = '';
  /** The unfinished last line, scanned once it ends. */
  private pending = '';
  private lastError?: string;

  constructor(
    stream: Readable | null,
    private readonly maxChars = 2000,
  ) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      this.text = (this.text + chunk).slice(-this.maxChars);
      const lines = (this.pending + chunk).split('\n');
      this.pending = (lines.pop() ?? '').slice(-this.maxChars);
      for (const line of lines) this.note(line);
    });
  }

  /**
   * The last non-empty lines, joined, or '' when the server said nothing; led by the last
   * line that reads as an error when that one is further up.
   */
  lastLines(count = 3): string {
    const tail = this.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-count);
    const error = ERROR_LINE.test(this.pending) ? this.pending.trim() : this.lastError;
    if (error && !tail.some((line) => line.includes(error.slice(0, 100)))) {
      return [error.slice(0, MAX_LINE_CHARS), '…', ...tail].join(' | ');
    }
    return tail.join(' | ');
  }

  private note(line: string): void {
    const trimmed = line.trim();
    if (trimmed && ERROR_LINE.test(trimmed)) this.lastError = trimmed.slice(0, MAX_LINE_CHARS);
  }
}
