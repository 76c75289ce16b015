// `setItem(..., { ifAbsent: true })` on Redis. A plain `SET NX PX` would also refuse a key that is
// past its expiry but kept for a getOrSet stale window, which every other read treats as absent;
// this script makes that one check and the `SET ... PX` in a single atomic step instead.

/**
 * KEYS[1] the full key; ARGV: the stored text, now (ms), the TTL in ms ('' for none). Returns 1
 * when it wrote. An entry counts as present unless it carries a header (`NUL <freshUntil>... NUL`)
 * whose deadline has passed.
 */
export const SET_IF_ABSENT_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v then
  if string.byte(v, 1) ~= 0 then return 0 end
  local e = string.find(v, '\\0', 2, true)
  local fresh = e and tonumber(string.sub(v, 2, e - 1))
  if not fresh or fresh > tonumber(ARGV[2]) then return 0 end
end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
return 1
`;

/** The `EVAL` command of {@link SET_IF_ABSENT_SCRIPT} for one key. */
export function setIfAbsentCommand(fullKey: string, text: string, now: number, expiryMs: number): [string, ...(string | number)[]] {
  return ['eval', SET_IF_ABSENT_SCRIPT, 1, fullKey, text, now, expiryMs === Infinity ? '' : expiryMs];
}
