import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/*
 * One HTTP exchange on undici's `dispatch`, for the upstream hop. undici's `request()` gives
 * each exchange an AsyncResource and its body a Readable stream, read here through that
 * stream's async iterator: three layers per call for a body that is read once, in order, by
 * one reader. The body here is a queue of chunks with the same back-pressure.
 *
 * Async context: whoever awaits the answer or its chunks resumes in its own context (the
 * tool call's, for a POST), whichever socket callback settled the promise.
 */

export interface DispatchedResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: ResponseBody;
}

/** Past this many bytes read but not yet taken, the socket is paused until the reader catches up. */
const HIGH_WATER_BYTES = 64 * 1024;
/** A body dumped past this many bytes closes its connection instead (as undici's `dump()`). */
const DUMP_LIMIT_BYTES = 128 * 1024;

/** Sends the request; settles with the answer's status and headers, its body still arriving. */
export function dispatchRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal | undefined,
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    const body = new ResponseBody();
    let controller: Dispatcher.DispatchController | undefined;
    const onAbort = () => {
      const reason = abortError(signal);
      if (controller) controller.abort(reason);
      else reject(reason);
    };
    if (signal?.aborted) return reject(abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    const settled = () => signal?.removeEventListener('abort', onAbort);
    dispatcher.dispatch(options, {
      onRequestStart(started) {
        controller = started;
        body.controller = started;
        // Aborted while queued for a connection: the promise has failed, so must the exchange.
        if (signal?.aborted) started.abort(abortError(signal));
      },
      onResponseStart(_controller, statusCode, headers) {
        // 1xx informational answers come before the real one.
        if (statusCode >= 200) resolve({ statusCode, headers, body });
      },
      onResponseData(_controller, chunk) {
        body.push(chunk);
      },
      onResponseEnd() {
        settled();
        body.end();
      },
      onResponseError(_controller, error) {
        settled();
        reject(error);
        body.fail(error);
      },
    });
  });
}

/** An answer's body, read once: as an async iterable of chunks, or dumped. */
export class ResponseBody implements AsyncIterable<Buffer> {
  controller?: Dispatcher.DispatchController;
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private error?: Error;
  private dumping = false;
  private dumpedBytes = 0;
  private wake?: () => void;

  push(chunk: Buffer): void {
    if (this.dumping) {
      this.dumpedBytes += chunk.length;
      if (this.dumpedBytes > DUMP_LIMIT_BYTES) this.destroy();
      return;
    }
    this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES) this.controller?.pause();
    this.wakeReader();
  }

  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  fail(error: Error): void {
    this.error ??= error;
    this.ended = true;
    this.wakeReader();
  }

  /** Stops the exchange (the connection closes); a reader waiting gets the error. */
  destroy(): void {
    if (this.ended) return;
    this.fail(new Error('the response body was dropped'));
    this.controller?.abort(this.error!);
  }

  /** Reads the rest of the body and drops it, so the connection can serve the next request. */
  async dump(): Promise<void> {
    this.dumping = true;
    this.chunks.length = 0;
    this.queuedBytes = 0;
    this.controller?.resume();
    while (!this.ended) await new Promise<void>((wake) => (this.wake = wake));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk) {
          this.queuedBytes -= chunk.length;
          if (this.queuedBytes <= HIGH_WATER_BYTES) this.controller?.resume();
          yield chunk;
        } else if (this.error) {
          throw this.error;
        } else if (this.ended) {
          return;
        } else {
          await new Promise<void>((wake) => (this.wake = wake));
        }
      }
    } finally {
      // A reader that stops early (break, throw) is done with the exchange, as with a stream.
      this.destroy();
    }
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('This operation was aborted');
}
