import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMessage } from '../errors/error-message.js';

/**
 * A server-side script run by its SHA, loaded again when Redis answers NOSCRIPT (after a
 * restart). Each step that must not half-happen (a queue step, an analytics batch) is one
 * script: Redis runs it atomically and, with AOF, persists all of its writes or none.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!errorMessage(error).startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
