// The change feed part of the write scripts (see scripts.ts). A script with a feed gets two more
// keys: KEYS[4] the version hash (id -> write count) and KEYS[5] the channel's stream. Both share
// the repo's hash tag (the channel id is the repo's name or starts with "<name>."), so the write,
// its version and its message are one script on every topology: Redis runs it whole or, after a
// crash, replays it whole from the AOF (a script's effects are one MULTI/EXEC there).
//
// update and delete build their message here from the JSON texts the record hash holds, so
// numbers keep their exact text; cjson only encodes strings (field names, the id). They check the
// feed keys' types first (feed_ok), as their message depends on the hash they read.
//
// create's message is built by the client from the very texts it writes (the last ARGV: the JSON
// up to `"version":`), so its script only counts the version, stamps the time and appends. It
// catches a wrong type instead of checking for one first: a failed HINCRBY wrote nothing, and a
// failed XADD has its HINCRBY taken back before the script returns -2, having written nothing.
// That halves the feed's cost inside Redis for the most frequent write (bench repo-redis-changes).
//
// No Lua number is turned into text on this path: Redis 7.0 and Lua 5.1 both format one with
// printf's float code, which showed in a server profile of the create. Arguments are strings
// ('1', not 1), the version is formatted as an integer, and the time is cut from TIME's text.

/** Lua helpers: feed_ok, json_object, ms_text, stamp_ms, version_at, publish_change, publish_built. */
export const CHANGE_HELPERS = `
local function feed_ok()
  if #KEYS < 5 then return true end
  local t = redis.call('TYPE', KEYS[5])['ok']
  if t ~= 'stream' and t ~= 'none' then return false end
  t = redis.call('TYPE', KEYS[4])['ok']
  return t == 'hash' or t == 'none'
end
local function json_object(flat, from, to)
  local parts = {}
  for i = from, to, 2 do parts[#parts + 1] = cjson.encode(flat[i]) .. ':' .. flat[i + 1] end
  return '{' .. table.concat(parts, ',') .. '}'
end
-- TIME's seconds and microseconds (strings, the latter unpadded) as epoch milliseconds, with
-- string operations only: a Lua number turned into text goes through printf's float formatting.
local function ms_text(seconds, micros)
  return seconds .. string.sub('00000' .. micros, -6, -4)
end
local function stamp_ms()
  local t = redis.call('TIME')
  return ms_text(t[1], t[2])
end
-- The end of every change message: the version (an integer, formatted as one) and the time.
local function version_at(version)
  return string.format('%d', version) .. ',"at":' .. stamp_ms() .. '}'
end
local function publish_change(op, id, dto, previous)
  local version = redis.call('HINCRBY', KEYS[4], id, '1')
  local msg = '{"op":"' .. op .. '","id":' .. cjson.encode(id) .. ',"dto":' .. dto
  if previous then msg = msg .. ',"previous":' .. previous end
  msg = msg .. ',"version":' .. version_at(version)
  redis.call('XADD', KEYS[5], '*', 'v', msg, 'k', id)
end
local function publish_built(id, head)
  local version = redis.pcall('HINCRBY', KEYS[4], id, '1')
  if type(version) ~= 'number' then return false end
  local added = redis.pcall('XADD', KEYS[5], '*', 'v', head .. version_at(version), 'k', id)
  if type(added) == 'table' and added.err then
    if version == 1 then redis.call('HDEL', KEYS[4], id) else redis.call('HINCRBY', KEYS[4], id, '-1') end
    return false
  end
  return true
end
`;
