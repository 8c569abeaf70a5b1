import type { Readable } from 'node:stream';

/**
 * Keeps the last few KB a stdio server wrote to stderr, so a failed start or a crash can be
 * reported with the server's own last words.
 */
export class StderrTail {
  private text = '';

  constructor(
    stream: Readable | null,
    private readonly maxChars = 2000,
  ) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      this.text = (this.text + chunk).slice(-this.maxChars);
    });
  }

  /** The last non-empty lines, joined, or '' when the server said nothing. */
  lastLines(count = 3): string {
    return this.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-count)
      .join(' | ');
  }
}
