import type { Redis } from 'ioredis';

/**
 * Reads the response stream on its own connection and resolves the waiter of each id; what a
 * queue client does, minus the filtering a shared response stream needs.
 */
export class ResponseWaiter {
  private readonly waiting = new Map<string, (payload: string) => void>();
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly reader: Redis,
    private readonly stream: string,
    private lastId: string,
  ) {
    this.loop = this.read();
  }

  /**
   * Starts after the stream's current last entry. Not `$`: the first XREAD may reach Redis
   * after the first responses, which `$` would then skip.
   */
  static async start(reader: Redis, stream: string): Promise<ResponseWaiter> {
    const [last] = await reader.xrevrange(stream, '+', '-', 'COUNT', 1);
    return new ResponseWaiter(reader, stream, last?.[0] ?? '0-0');
  }

  /** Resolves with the response payload of `id`; register before sending the request. */
  expect(id: string): Promise<string> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reader.disconnect();
    await this.loop.catch(() => undefined);
  }

  private async read(): Promise<void> {
    while (!this.stopped) {
      const reply = await this.reader.xread(
        'COUNT',
        1000,
        'BLOCK',
        1000,
        'STREAMS',
        this.stream,
        this.lastId,
      );
      for (const [, entries] of reply ?? []) {
        for (const [entryId, fields] of entries) {
          this.lastId = entryId;
          const id = fields[fields.indexOf('id') + 1];
          const resolve = this.waiting.get(id);
          if (!resolve) continue;
          this.waiting.delete(id);
          resolve(fields[fields.indexOf('payload') + 1]);
        }
      }
    }
  }
}
