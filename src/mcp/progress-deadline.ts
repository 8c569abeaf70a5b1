import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * The deadline of a call that the server's progress keeps alive: `idleMs` after the start or
 * the last progress, and never past `maxMs` in all. The SDK's resetTimeoutOnProgress does this
 * only for progress it routes itself, and the gateway routes progress on its own (see
 * SdkUpstreamClient.listen), so the call is given this signal instead: when it fires, the SDK
 * sends the server a cancellation and fails the call with the same error as its own timer.
 */
export class ProgressDeadline {
  private readonly controller = new AbortController();
  private readonly started = Date.now();
  private timer: NodeJS.Timeout;
  /** When the armed timer is due (Date.now() time). */
  private firesAt = 0;
  private readonly passOn = () => this.controller.abort(this.caller?.reason);

  constructor(
    private readonly idleMs: number,
    private readonly maxMs: number,
    /** The caller's own signal: cancelling still cancels. */
    private readonly caller?: AbortSignal,
  ) {
    this.timer = this.arm();
    if (caller?.aborted) this.passOn();
    caller?.addEventListener('abort', this.passOn, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The server reported progress: the idle countdown starts again. */
  progressed(): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  /** The call is over; nothing may fire after it. */
  end(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.passOn);
  }

  private arm(): NodeJS.Timeout {
    const left = this.maxMs - (Date.now() - this.started);
    const delay = Math.max(0, Math.min(this.idleMs, left));
    this.firesAt = Date.now() + delay;
    return setTimeout(() => this.expire(), delay);
  }

  private expire(): void {
    // The SDK timer's own error (see isSdkTimeout), with the time the call actually ran. A
    // timer may fire a millisecond before Date.now() says it is due: "timed out after 4999 ms"
    // for a 5000 ms limit would read as a bug, so it is never less than what was armed.
    const timeout = Math.max(Date.now(), this.firesAt) - this.started;
    this.controller.abort(
      McpError.fromError(McpErrorCode.RequestTimeout, 'Request timed out', { timeout }),
    );
  }
}
