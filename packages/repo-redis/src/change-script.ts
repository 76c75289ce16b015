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
// up to `"version":`), so its script only counts the version, stamps the time and appends (inline
// in CREATE, scripts.ts). It catches a wrong type instead of checking for one first: a failed
// HINCRBY wrote nothing, and a failed XADD has its HINCRBY taken back before the script returns
// -2, having written nothing. That halves the feed's cost inside Redis for the most frequent
// write (bench repo-redis-changes).
//
// What a feed costs inside Redis was counted with callgrind (instructions per create, which do not
// depend on what else the machine is doing): Redis's Lua hashes every byte of every string it
// makes, about 13 instructions a byte, so each intermediate string of the message costs as much as
// its length, and each Lua function call and redis.call has a fixed cost besides. `stamped`
// therefore makes the message in one concatenation, and create's part is inline: a create costs
// about 154,000 instructions with a feed and 113,000 without (160,000 and 115,000 when the message
// was built in four steps through three helpers). Having the script join create's message from
// the record's pairs, which it holds anyway, spares the client the text but costs Redis more: a
// table of the ~35 pieces and one table.concat came to 174,000 (every piece is a table store and
// a luaL_addvalue), against 153,000 for the client's text plus one concatenation here.
//
// No Lua number is turned into text on this path: Redis 7.0 and Lua 5.1 both format one with
// printf's float code, which showed in a server profile of the create. Arguments are strings
// ('1', not 1), the version is formatted as an integer (the first one, 1, not at all), and the
// time is cut from TIME's text.

/** Lua helpers: feed_ok, json_object, stamped, publish_change. */
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
-- The whole change message: head (the JSON up to "version":), the version, and the time as epoch
-- milliseconds by Redis's clock. TIME gives seconds and unpadded microseconds as text; the
-- milliseconds are their first three digits once padded to six.
local function stamped(head, version)
  local t = redis.call('TIME')
  local us = t[2]
  return head .. (version == 1 and '1' or string.format('%d', version)) .. ',"at":' .. t[1]
    .. (#us == 6 and string.sub(us, 1, 3) or string.sub('00000' .. us, -6, -4)) .. '}'
end
local function publish_change(op, id, dto, previous)
  local version = redis.call('HINCRBY', KEYS[4], id, '1')
  local head = '{"op":"' .. op .. '","id":' .. cjson.encode(id) .. ',"dto":' .. dto
    .. (previous and ',"previous":' .. previous or '') .. ',"version":'
  redis.call('XADD', KEYS[5], '*', 'v', stamped(head, version), 'k', id)
end
`;
