import type { Readable } from 'node:stream';

/**
 * Lines that say what went wrong. Servers often print their error and then their usage, or a
 * stack trace, after it: the last lines alone would lose the one that matters. A strong line
 * names an error outright (`Error: ...`, `fatal`, an errno code such as ENOENT); a weak one
 * only may (`Unknown argument`, `invalid`), and usage texts use those words too, so the first
 * weak line counts, where the complaint comes before the help.
 */
const STRONG = /\b(error|exception|fatal|panic|traceback)\b/i;
const ERRNO = /\bE[A-Z]{3,}\b/;
const WEAK =
  /\b(unknown|invalid|cannot|can't|could not|failed|denied|not found|missing|unexpected)\b/i;
/** An error line older than this many lines belongs to something else, not to this failure. */
const RECENT_LINES = 200;
const MAX_LINE_CHARS = 500;

interface Said {
  text: string;
  /** Its line number, from the start of the stream. */
  at: number;
}

/**
 * Keeps the last few KB a stdio server wrote to stderr, and its recent lines that read as an
 * error, so a failed start or a crash can be reported with the server's own words.
 */
export class StderrTail {
  private text = '';
  /** The unfinished last line, scanned once it ends. */
  private pending = '';
  private lines = 0;
  private lastStrong?: Said;
  private firstWeak?: Said;

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
   * The last non-empty lines, joined, or '' when the server said nothing; led by the recent
   * line that reads most as an error when that one is further up.
   */
  lastLines(count = 3): string {
    const tail = this.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-count);
    const error = this.errorLine();
    if (error && !tail.some((line) => line.includes(error.slice(0, 100)))) {
      return [error, '…', ...tail].join(' | ');
    }
    return tail.join(' | ');
  }

  private errorLine(): string | undefined {
    const pending = this.pending.trim();
    if (pending && isStrong(pending)) return pending.slice(0, MAX_LINE_CHARS);
    const recent = (said?: Said) => (this.isRecent(said) ? said : undefined);
    return (recent(this.lastStrong) ?? recent(this.firstWeak))?.text;
  }

  private note(line: string): void {
    const text = line.trim().slice(0, MAX_LINE_CHARS);
    if (!text) return;
    this.lines++;
    if (isStrong(text)) this.lastStrong = { text, at: this.lines };
    else if (WEAK.test(text) && !this.isRecent(this.firstWeak)) {
      this.firstWeak = { text, at: this.lines };
    }
  }

  private isRecent(said: Said | undefined): said is Said {
    return said !== undefined && this.lines - said.at <= RECENT_LINES;
  }
}

function isStrong(line: string): boolean {
  return STRONG.test(line) || ERRNO.test(line);
}
