/**
 * The Lua scripts of listener-redis. Each touches keys of one channel family only, which share one
 * hash tag (see `channelStreamKey`), so each runs on one Redis Cluster node.
 */

/**
 * Dead-letters one entry: appends the letter to the dead-letter stream and, in group mode,
 * acknowledges the original, in one step (no letter without its ack, no ack without its letter).
 * KEYS: source stream, dead-letter stream. ARGV: group ('' in broadcast mode), entry id ('' for
 * none), then the letter's field/value list. Returns the letter's id.
 */
export const DEAD_LETTER_SCRIPT = `
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
if ARGV[1] ~= '' and ARGV[2] ~= '' then redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) end
return id
`;

/**
 * Trims a stream by length and age without removing what a consumer group still needs. The cut
 * (a MINID: entries below it go) is the larger of the length cut (the first \`maxLen\` excess
 * entries, at most \`perRun\` of them) and the age cut (now - maxAgeMs, by the server's clock).
 * Unless \`trimUnread\`, the cut is then lowered to, for every group, the first entry it has not
 * read (after its last-delivered-id) or its oldest pending entry, whichever is lower.
 * KEYS: stream. ARGV: maxLen (0: none), maxAgeMs (0: none), trimUnread ('1' / '0'), perRun.
 * Returns the number of entries removed.
 */
export const TRIM_SCRIPT = `
local key = KEYS[1]
local maxLen = tonumber(ARGV[1])
local maxAge = tonumber(ARGV[2])
local unread = ARGV[3] == '1'
local perRun = tonumber(ARGV[4])
if redis.call('EXISTS', key) == 0 then return 0 end
local function parse(id)
  local d = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, d - 1)), tonumber(string.sub(id, d + 1))
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function after(id)
  local m, s = parse(id)
  return string.format('%.0f-%.0f', m, s + 1)
end
local cut = nil
if maxAge > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if now > maxAge then cut = string.format('%.0f-0', now - maxAge) end
end
if maxLen > 0 then
  local len = redis.call('XLEN', key)
  if len > maxLen then
    local r = redis.call('XRANGE', key, '-', '+', 'COUNT', math.min(len - maxLen, perRun))
    local c = after(r[#r][1])
    if cut == nil or less(cut, c) then cut = c end
  end
end
if cut == nil then return 0 end
if not unread then
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local name, last
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
    end
    local safe = after(last)
    local p = redis.call('XPENDING', key, name)
    if p[1] > 0 and less(p[2], safe) then safe = p[2] end
    if less(safe, cut) then cut = safe end
  end
end
return redis.call('XTRIM', key, 'MINID', cut)
`;
