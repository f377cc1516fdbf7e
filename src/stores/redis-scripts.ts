/**
 * The Redis store's Lua scripts. Each touches exactly one key (declared in KEYS), so each runs on
 * a cluster too. A record is one hash: `d` data, `v` version, `e` expiresAt, and optionally `u`
 * userId, `m` movedTo, `meta` (JSON), `ls` (lastSeenAt set by touch, overriding `meta`'s) and
 * `ix` (bound records: the score of the user index entry, which `e` never exceeds).
 * Liveness inside a script is `e > now` with the caller's `now`, as on reads, besides the
 * key's native expiry (PX).
 */
import { luaScript } from './redis-client.js'

/** The hash fields read by `get`, in reply order. */
export const FIELDS = ['d', 'v', 'e', 'u', 'm', 'meta', 'ls'] as const

/**
 * Write a record. ARGV: ifVersion ('' unconditional, 0 create only, N compare), now, px, user
 * (the record's userId, '' when unbound), indexed ('1' when the caller just indexed the user up
 * to the record's `ix`, else ''), expiresAt, then field/value pairs. px ≤ 0 (already expired)
 * deletes the key instead. A bound record not yet indexed is written only while the live record
 * it replaces has the same user and an `ix` covering expiresAt (it keeps that `ix`); otherwise
 * the script replies 2: index the user, then call again with indexed '1'. Replies 1, or 0 on a
 * CAS mismatch.
 */
export const SET = luaScript(`
local cur = redis.call('HMGET', KEYS[1], 'v', 'e', 'u', 'ix')
local live = cur[1] and cur[2] and tonumber(cur[2]) > tonumber(ARGV[2])
if ARGV[1] ~= '' then
  local want = tonumber(ARGV[1])
  if want == 0 then
    if live then return 0 end
  elseif not live or tonumber(cur[1]) ~= want then
    return 0
  end
end
local px = tonumber(ARGV[3])
local keep = false
if px > 0 and ARGV[4] ~= '' and ARGV[5] == '' then
  if not (live and cur[3] == ARGV[4] and cur[4] and tonumber(cur[4]) >= tonumber(ARGV[6])) then
    return 2
  end
  keep = cur[4]
end
redis.call('DEL', KEYS[1])
if px > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 7))
  if keep then redis.call('HSET', KEYS[1], 'ix', keep) end
  redis.call('PEXPIRE', KEYS[1], px)
end
return 1
`)

/**
 * Touch a live record. ARGV: now, px, expiresAt, lastSeenAt, indexedUser, indexedUntil (the last
 * two '' unless the caller just indexed the record's user up to that time). A bound record's
 * `ix` is how long its user index entry is known to last; the record is never extended past it,
 * so a crash between two commands can never leave a live record missing from its index.
 * Replies `{1, ''}` when touched, `{0, ''}` when missing or expired, `{2, user}` when the index
 * must first cover `expiresAt` (then call again with indexedUser/indexedUntil).
 */
export const TOUCH = luaScript(`
local cur = redis.call('HMGET', KEYS[1], 'e', 'u', 'meta', 'ix')
if not cur[1] or tonumber(cur[1]) <= tonumber(ARGV[1]) then return {0, ''} end
local px = tonumber(ARGV[2])
if px <= 0 then
  redis.call('DEL', KEYS[1])
  return {0, ''}
end
if cur[2] then
  local ix = tonumber(cur[4] or '0') or 0
  if ARGV[6] ~= '' and ARGV[5] == cur[2] and tonumber(ARGV[6]) > ix then
    ix = tonumber(ARGV[6])
    redis.call('HSET', KEYS[1], 'ix', ARGV[6])
  end
  if tonumber(ARGV[3]) > ix then return {2, cur[2]} end
end
redis.call('HSET', KEYS[1], 'e', ARGV[3])
if cur[3] then redis.call('HSET', KEYS[1], 'ls', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], px)
return {1, ''}
`)

/**
 * Index a member in a user's sorted set with score = the time its record is known to expire by
 * (scores only grow), drop members past `now`, and keep the set alive until its latest score.
 * ARGV: member, score, now.
 */
export const INDEX_ADD = luaScript(`
local score = tonumber(ARGV[2])
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not old or tonumber(old) < score then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then
  local px = math.ceil(tonumber(top[2]) - tonumber(ARGV[3]))
  if px > 0 then redis.call('PEXPIRE', KEYS[1], px) end
end
return 1
`)

/**
 * Delete a record if it is bound to the user. ARGV: userId, now. Replies 1 (a live record
 * deleted), 2 (an expired one deleted), 0 (absent or another user's: untouched).
 */
export const DESTROY_IF_USER = luaScript(`
local cur = redis.call('HMGET', KEYS[1], 'u', 'e')
if cur[1] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if cur[2] and tonumber(cur[2]) > tonumber(ARGV[2]) then return 1 end
return 2
`)

/** Extend a lock held by the token ARGV[1] to ARGV[2] ms. Replies 1, or 0 when not held. */
export const LOCK_REFRESH = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

/** Delete a lock held by the token ARGV[1]. Replies 1, or 0 when not held. */
export const LOCK_RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
