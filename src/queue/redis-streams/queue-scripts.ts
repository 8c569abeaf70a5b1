import { LuaScript } from '../../common/redis/lua-script.js';

/*
 * Every script that settles an entry (publish, dead-letter) first checks that the entry is
 * still pending in the group. ioredis resends a command whose reply was lost to a dropped
 * connection; the check turns that second run into a no-op, so a response is never written
 * twice for one entry.
 */

/**
 * Before running a request: its stored answer if the id was answered already, else take the
 * "running" mark for this entry. Another entry holding the mark is a duplicate still running.
 * KEYS: done key, running key. ARGV: entry id, running-mark TTL (ms).
 * Returns {'done', payload} | {'run'} | {'busy'}.
 */
export const BEGIN = new LuaScript(`
local done = redis.call('GET', KEYS[1])
if done then return {'done', done} end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return {'busy'} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {'run'}
`);

/**
 * Writes the response, records it for idempotency (first answers only, not replays), and
 * acknowledges and deletes the request entry, all at once.
 * KEYS: request stream, response stream, done key, running key.
 * ARGV: group, entry id, request id, response JSON, response MAXLEN, done TTL (s), '1' to record.
 * Returns 1 when written, 0 when the entry was no longer pending (already settled).
 */
export const PUBLISH = new LuaScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'id', ARGV[3], 'payload', ARGV[4])
if ARGV[7] == '1' then redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[6]) end
if redis.call('GET', KEYS[4]) == ARGV[2] then redis.call('DEL', KEYS[4]) end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`);

/**
 * Moves an entry to the dead-letter stream; for each request id it is known to carry (one,
 * or one per payload of an entry that gave several), also answers it with the given error
 * response, so its client does not wait forever.
 * KEYS: request stream, dead-letter stream, response stream, then one done key per answer.
 * ARGV: group, entry id, MAXLEN, done TTL (s), the number of answers n, then n pairs of
 * request id and response JSON, then the dead letter's field/value pairs.
 */
export const DEAD_LETTER = new LuaScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then return 0 end
local n = tonumber(ARGV[5])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 6 + 2 * n))
for i = 1, n do
  local id, payload = ARGV[4 + 2 * i], ARGV[5 + 2 * i]
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'id', id, 'payload', payload)
  redis.call('SET', KEYS[3 + i], payload, 'EX', ARGV[4])
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`);

/**
 * Tells the group this consumer still works on an entry (resets its idle time, so no one
 * reclaims it) and extends the running mark. Skips entries another consumer took over.
 * KEYS: request stream, running key. ARGV: group, consumer, entry id, running-mark TTL (ms).
 */
export const KEEP_ALIVE = new LuaScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 1
`);

/**
 * Removes a consumer from the group (this one at shutdown, another one long silent), but only
 * when it holds no pending entry: deleting a consumer drops its pending entries, which would
 * then never be reclaimed.
 * KEYS: request stream. ARGV: group, consumer.
 */
export const REMOVE_CONSUMER = new LuaScript(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`);
