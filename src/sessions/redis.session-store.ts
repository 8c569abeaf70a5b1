import type { Redis } from 'ioredis';
import type { SessionRecord } from './session-record.js';
import {
  SessionStore,
  type CreateOutcome,
  type SessionLimits,
  type TouchedSession,
} from './session-store.js';

// An owner's index expires with its last session, so a key that stops creating leaves nothing.
// The guard keeps an index that lost its last member (a racing delete) from crashing the script.
const EXPIRE_WITH_LAST = `
    local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
    if last[2] then redis.call('PEXPIREAT', KEYS[3], last[2]) end`;

// KEYS: record, index, owner's index. ARGV: lastActiveAt, expiresAt, id, has owner (1/0).
const TOUCH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'lastActiveAt', ARGV[1], 'expiresAt', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[3])
  if ARGV[4] == '1' then
    -- No XX: a session created before owner indexes existed joins its owner's on first touch.
    redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
    ${EXPIRE_WITH_LAST}
  end
  return 1
end
return 0`;

// KEYS: record, index, owner's index. ARGV: now, max, data, lastActiveAt, expiresAt, id,
// has owner (1/0), max per owner. Returns 1 created, 0 total limit, -1 owner's limit.
const CREATE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
if ARGV[7] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[8]) then return -1 end
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[6])
  ${EXPIRE_WITH_LAST}
end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'lastActiveAt', ARGV[4], 'expiresAt', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
return 1`;

// KEYS: record. ARGV: expected revision, data. Timestamps stay: touch() owns them.
const REPLACE_SCRIPT = `
local data = redis.call('HGET', KEYS[1], 'data')
if not data or cjson.decode(data).revision ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
return 1`;

/**
 * Records as Redis hashes (`data` JSON plus the two hot timestamps, so a touch rewrites two
 * fields, not the record), expiring with the session. A sorted set by expiry lists and
 * counts live sessions without scanning the keyspace; one more per owner (API key) counts
 * that key's sessions for its quota.
 */
export class RedisSessionStore extends SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  private keyOf(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private get indexKey(): string {
    return `${this.prefix}sessions`;
  }

  /** The owner's index; sessions without an owner name the global one (never written). */
  private ownerKeyOf(owner: string | undefined): string {
    return owner === undefined
      ? this.indexKey
      : `${this.prefix}sessions:owner:${encodeURIComponent(owner)}`;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const hash = await this.redis.hgetall(this.keyOf(id));
    return this.parse(hash);
  }

  async create(record: SessionRecord, limits: SessionLimits): Promise<CreateOutcome> {
    const { lastActiveAt, expiresAt } = record;
    const created = await this.redis.eval(
      CREATE_SCRIPT,
      3,
      this.keyOf(record.id),
      this.indexKey,
      this.ownerKeyOf(record.owner),
      String(this.now()),
      String(limits.total),
      dataOf(record),
      String(lastActiveAt),
      String(expiresAt),
      record.id,
      record.owner === undefined ? '0' : '1',
      String(limits.perOwner),
    );
    return created === 1 ? 'created' : created === -1 ? 'owner-limit' : 'total-limit';
  }

  async replace(record: SessionRecord, expectedRevision: number): Promise<boolean> {
    // The timestamps are not rewritten: a touch between read and replace is kept.
    const replaced = await this.redis.eval(
      REPLACE_SCRIPT,
      1,
      this.keyOf(record.id),
      String(expectedRevision),
      dataOf(record),
    );
    return replaced === 1;
  }

  async touch({ id, owner, lastActiveAt, expiresAt }: TouchedSession): Promise<void> {
    // Atomic, so a touch racing a delete can never leave a half-record behind.
    await this.redis.eval(
      TOUCH_SCRIPT,
      3,
      this.keyOf(id),
      this.indexKey,
      this.ownerKeyOf(owner),
      String(lastActiveAt),
      String(expiresAt),
      id,
      owner === undefined ? '0' : '1',
    );
  }

  async delete({ id, owner }: Pick<SessionRecord, 'id' | 'owner'>): Promise<boolean> {
    const results = await this.redis
      .multi()
      .del(this.keyOf(id))
      .zrem(this.indexKey, id)
      .zrem(this.ownerKeyOf(owner), id)
      .exec();
    return results?.[0]?.[1] === 1;
  }

  async list(): Promise<SessionRecord[]> {
    const ids = await this.liveIds();
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    ids.forEach((id) => pipeline.hgetall(this.keyOf(id)));
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([, hash]) => this.parse(hash as Record<string, string>) ?? []);
  }

  async count(): Promise<number> {
    return (await this.liveIds()).length;
  }

  private async liveIds(): Promise<string[]> {
    const now = this.now();
    await this.redis.zremrangebyscore(this.indexKey, '-inf', now);
    return this.redis.zrangebyscore(this.indexKey, now, '+inf');
  }

  private parse(hash: Record<string, string> | null | undefined): SessionRecord | undefined {
    if (!hash?.data) return undefined;
    const expiresAt = Number(hash.expiresAt);
    if (expiresAt <= this.now()) return undefined;
    const data = JSON.parse(hash.data) as Omit<SessionRecord, 'lastActiveAt' | 'expiresAt'>;
    return { ...data, lastActiveAt: Number(hash.lastActiveAt), expiresAt };
  }
}

/** The `data` field: the record without the two timestamps, which have fields of their own. */
function dataOf(record: SessionRecord): string {
  const data: Partial<SessionRecord> = { ...record };
  delete data.lastActiveAt;
  delete data.expiresAt;
  return JSON.stringify(data);
}
