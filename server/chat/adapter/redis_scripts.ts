/**
 * The Lua scripts of the Redis adapter. A script runs atomically in Redis,
 * so a nick's check and its claim, or a listing and the removal of a dead
 * node it finds, cannot interleave with another server's commands.
 *
 * They are sent with EVAL every time: Redis caches the compiled script by
 * its hash, and a restarted Redis (empty script cache) needs no NOSCRIPT
 * retry that could reorder a release and a later claim. Scripts build the
 * per-node key names from the prefix, so they need a single Redis (or a
 * primary with replicas), not Redis Cluster.
 *
 * @module
 */

/**
 * Claims or renews nicks in one step. KEYS: nick keys; ARGV[1]: the TTL in
 * ms; ARGV[i + 1]: the user for KEYS[i]. A key that is free or already the
 * user's is (re)set with the TTL; returns the 1-based indexes of the keys
 * someone else holds.
 */
export const CLAIM_NICKS = `
local lost = {}
for i, key in ipairs(KEYS) do
  local user = ARGV[i + 1]
  local holder = redis.call('GET', key)
  if holder == user then
    redis.call('PEXPIRE', key, ARGV[1])
  elseif not holder then
    redis.call('SET', key, user, 'PX', ARGV[1])
  else
    lost[#lost + 1] = i
  end
end
return lost
`;

/** Compare-and-delete: frees KEYS[1] only if ARGV[1] holds it. */
export const RELEASE_NICK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The presence JSON of whoever holds the nick KEYS[1], or nil. ARGV[1]: the
 * key prefix. The holder's node is the part of its id before the last `/`.
 */
export const FIND_NICK = `
local user = redis.call('GET', KEYS[1])
if not user then return false end
local node = string.match(user, '^(.+)/[^/]+$')
if not node then return false end
return redis.call('HGET', ARGV[1] .. 'node:' .. node .. ':users', user)
`;

/**
 * Lists across live nodes without KEYS. KEYS[1]: the node set; ARGV[1]:
 * the key prefix; ARGV[2]: `count` (users online), `users` (every presence
 * JSON), `members` (presence JSON of room ARGV[3]) or `rooms` (name, count,
 * topic or '' for every room with users, and ARGV[3], the lobby). A node
 * whose users hash has expired (it died, or has no users) leaves the set.
 * O(nodes + what is listed).
 */
export const LIST = `
local prefix, what, room = ARGV[1], ARGV[2], ARGV[3]
local count, out = 0, {}
local counts, names, order = {}, {}, {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local base = prefix .. 'node:' .. node
  if redis.call('EXISTS', base .. ':users') == 0 then
    redis.call('SREM', KEYS[1], node)
  elseif what == 'count' then
    count = count + redis.call('HLEN', base .. ':users')
  elseif what == 'users' then
    for _, p in ipairs(redis.call('HVALS', base .. ':users')) do out[#out + 1] = p end
  elseif what == 'members' then
    local ids = redis.call('SMEMBERS', base .. ':room:' .. room)
    for first = 1, #ids, 1000 do
      local found = redis.call('HMGET', base .. ':users', unpack(ids, first, math.min(first + 999, #ids)))
      for i = 1, math.min(1000, #ids - first + 1) do
        if found[i] then out[#out + 1] = found[i] end
      end
    end
  else
    local fields = redis.call('HGETALL', base .. ':rooms')
    for i = 1, #fields, 2 do
      local key, value = fields[i], fields[i + 1]
      local sep = string.find(value, ':', 1, true)
      if sep then
        if not counts[key] then
          counts[key], names[key] = 0, string.sub(value, sep + 1)
          order[#order + 1] = key
        end
        counts[key] = counts[key] + (tonumber(string.sub(value, 1, sep - 1)) or 0)
      end
    end
  end
end
if what == 'count' then return count end
if what == 'rooms' then
  if not counts[room] then counts[room], names[room] = 0, room; order[#order + 1] = room end
  for _, key in ipairs(order) do
    out[#out + 1] = names[key]
    out[#out + 1] = counts[key]
    out[#out + 1] = redis.call('GET', prefix .. 'topic:' .. key) or ''
  end
end
return out
`;
