import { LuaScript } from './lua.ts';

/*
 * Layout: `${prefix}s:${idHash}` is a hash holding the record, expiring at the earlier of its idle and
 * absolute expiry; `${prefix}u:${userId}` is the set of the user's idHashes, kept alive at least as
 * long as the user's longest session so that deleteByUser always finds every live session.
 */

/** KEYS: session, user set. ARGV: expireAt, absoluteExpiresAt, idHash, field, value, … */
export const CREATE: LuaScript = new LuaScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 or now + ttl < tonumber(ARGV[2]) then
  redis.call('PEXPIREAT', KEYS[2], ARGV[2])
end
return 1
`);

/**
 * KEYS: session. ARGV: lastSeenAt, idleExpiresAt. Does nothing when the session is gone, so a touch
 * racing a logout cannot bring the session back; never extends past the absolute expiry.
 */
export const TOUCH: LuaScript = new LuaScript(`
local absolute = redis.call('HGET', KEYS[1], 'absoluteExpiresAt')
if not absolute then return 0 end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1], 'idleExpiresAt', ARGV[2])
if tonumber(ARGV[2]) < tonumber(absolute) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
else
  redis.call('PEXPIREAT', KEYS[1], absolute)
end
return 1
`);

/** KEYS: session. ARGV: user set key prefix, idHash. */
export const DELETE: LuaScript = new LuaScript(`
local userId = redis.call('HGET', KEYS[1], 'userId')
local deleted = redis.call('DEL', KEYS[1])
if userId then redis.call('SREM', ARGV[1] .. userId, ARGV[2]) end
return deleted
`);

/**
 * KEYS: user set. ARGV: session key prefix, idHash to keep ('' for none). One script, so no session
 * of the user created before it ran can survive it.
 */
export const DELETE_BY_USER: LuaScript = new LuaScript(`
local deleted = 0
for _, idHash in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if idHash ~= ARGV[2] then
    deleted = deleted + redis.call('DEL', ARGV[1] .. idHash)
    redis.call('SREM', KEYS[1], idHash)
  end
end
return deleted
`);
