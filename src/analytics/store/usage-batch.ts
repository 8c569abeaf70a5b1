import { LuaScript } from '../../common/redis/lua-script.js';

/**
 * One write of batched usage to Redis, sequenced per replica so that sending it again is
 * harmless. A write whose reply never came (a command timeout while Redis stalls, a dropped
 * connection) may still have been carried out; the only way to keep the records of an outage
 * without counting them twice is to resend the same batch and let Redis skip it if it has it.
 *
 * ARGV: sequence number, marker TTL (ms), then operations, each on one key (KEYS index):
 *   'h' key ttl n  field amount ...      HINCRBY each field, then PEXPIRE
 *   'z' key ttl min n  score member ...  ZADD GT each, drop scores up to min, then PEXPIRE
 *   'l' key ttl max n  item ...          LPUSH each, LTRIM to max, then PEXPIRE
 * KEYS[1] is the replica's marker: the last sequence number applied.
 * Returns 1 when applied, 0 when this sequence number was applied already.
 */
export const APPLY_USAGE_BATCH = new LuaScript(`
local applied = tonumber(redis.call('GET', KEYS[1]) or '0')
if applied >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local i = 3
while i <= #ARGV do
  local op, key, ttl = ARGV[i], KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2]
  if op == 'h' then
    local n = tonumber(ARGV[i + 3]); i = i + 4
    for _ = 1, n do redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1]); i = i + 2 end
  elseif op == 'z' then
    local min, n = ARGV[i + 3], tonumber(ARGV[i + 4]); i = i + 5
    for _ = 1, n do redis.call('ZADD', key, 'GT', ARGV[i], ARGV[i + 1]); i = i + 2 end
    redis.call('ZREMRANGEBYSCORE', key, '-inf', min)
  else
    local max, n = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]); i = i + 5
    for _ = 1, n do redis.call('LPUSH', key, ARGV[i]); i = i + 1 end
    redis.call('LTRIM', key, 0, max - 1)
  end
  redis.call('PEXPIRE', key, ttl)
end
return 1
`);

/**
 * Past this many entries a batch is split: one script runs atomically and blocks Redis while
 * it runs, so a batch grown during a long outage goes back in slices of a few milliseconds.
 */
const ENTRIES_PER_BATCH = 5_000;

export interface UsageBatch {
  keys: string[];
  args: (string | number)[];
  /** Entries it carries, counted against the store's cap on what it holds. */
  entries: number;
}

/** Builds the batches of one flush, in order, each within ENTRIES_PER_BATCH. */
export class UsageBatchBuilder {
  readonly batches: UsageBatch[] = [];
  private current!: UsageBatch;
  private keyIndex!: Map<string, number>;

  constructor(
    private readonly markerKey: string,
    private readonly nextSequence: () => number,
    private readonly markerTtlMs: number,
  ) {
    this.start();
  }

  hashIncrements(key: string, ttlMs: number, fields: Iterable<[string, number]>): void {
    this.addOp('h', key, ttlMs, [], fields);
  }

  latestScores(key: string, ttlMs: number, min: number, members: Iterable<[string, number]>) {
    const pairs = [...members].map(([member, score]): [number, string] => [score, member]);
    this.addOp('z', key, ttlMs, [min], pairs);
  }

  /** Pushed oldest first, so the newest ends at the head; the list keeps `max`. */
  listPush(key: string, ttlMs: number, max: number, items: string[]): void {
    this.addOp('l', key, ttlMs, [max], items);
  }

  /** The batches built, without a trailing empty one. */
  finish(): UsageBatch[] {
    if (this.current.entries === 0) this.batches.pop();
    return this.batches;
  }

  private addOp(
    op: 'h' | 'z' | 'l',
    key: string,
    ttlMs: number,
    params: (string | number)[],
    items: Iterable<[string | number, string | number] | string>,
  ): void {
    let chunk: (string | number)[] = [];
    let count = 0;
    const emit = () => {
      if (count === 0) return;
      const index = this.indexOf(key);
      this.current.args.push(op, index, ttlMs, ...params, count, ...chunk);
      this.current.entries += count;
      chunk = [];
      count = 0;
    };
    for (const item of items) {
      if (this.current.entries + count >= ENTRIES_PER_BATCH) {
        emit();
        this.start();
      }
      if (typeof item === 'string') chunk.push(item);
      else chunk.push(item[0], item[1]);
      count++;
    }
    emit();
  }

  private indexOf(key: string): number {
    let index = this.keyIndex.get(key);
    if (index === undefined) {
      index = this.current.keys.push(key);
      this.keyIndex.set(key, index);
    }
    return index;
  }

  private start(): void {
    this.current = {
      keys: [this.markerKey],
      args: [this.nextSequence(), this.markerTtlMs],
      entries: 0,
    };
    this.keyIndex = new Map();
    this.batches.push(this.current);
  }
}
