import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

// Each write is one script, so a record and its index entries change together: Redis runs a
// script without interleaving another command. Index keys are derived from the repo's key prefix
// (ARGV) and share its hash tag, hence its cluster slot.
//
// An index entry's value part is the JSON text stored in the record hash, so the script can
// remove the old entry without parsing JSON: text starting with "{" or "[" was never indexed.

const HSET_CHUNKED = `
local function hset_all(key, from, to)
  local batch = {}
  for i = from, to do
    batch[#batch + 1] = ARGV[i]
    if #batch == 1000 then redis.call('HSET', key, unpack(batch)); batch = {} end
  end
  if #batch > 0 then redis.call('HSET', key, unpack(batch)) end
end
local function unindex(key, prefix, id, field, fj)
  local old = redis.call('HGET', key, field)
  if old then
    local c = string.sub(old, 1, 1)
    if c ~= '{' and c ~= '[' then redis.call('SREM', prefix .. 'idx:' .. fj .. ':' .. old, id) end
  end
  redis.call('ZREM', prefix .. 'zidx:' .. fj, id)
end
local function index(prefix, id, fj, vj, score)
  if vj ~= '' then redis.call('SADD', prefix .. 'idx:' .. fj .. ':' .. vj, id) end
  if score ~= '' then redis.call('ZADD', prefix .. 'zidx:' .. fj, score, id) end
end
`;

/** KEYS: rec, ids. ARGV: id, prefix, n, n field/json pairs, then (fieldJson, valueJson|'', score|'') per index entry. Returns 1, or 0 if the id exists. */
const CREATE = `${HSET_CHUNKED}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local id, prefix, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
hset_all(KEYS[1], 4, 3 + 2 * n)
redis.call('SADD', KEYS[2], id)
for i = 4 + 2 * n, #ARGV, 3 do index(prefix, id, ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
return 1
`;

/** KEYS: rec. ARGV: id, prefix, n, n field/json pairs, then (field, fieldJson, valueJson|'', score|'') per indexed field in the patch. Returns the merged hash, or nil if missing. */
const UPDATE = `${HSET_CHUNKED}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local id, prefix, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 4 + 2 * n, #ARGV, 4 do
  unindex(KEYS[1], prefix, id, ARGV[i], ARGV[i + 1])
  index(prefix, id, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
end
hset_all(KEYS[1], 4, 3 + 2 * n)
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS: rec, ids. ARGV: id, prefix, then (field, fieldJson) per indexed field. Returns the deleted hash, or nil if missing. */
const DELETE = `${HSET_CHUNKED}
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return false end
local id, prefix = ARGV[1], ARGV[2]
for i = 3, #ARGV, 2 do unindex(KEYS[1], prefix, id, ARGV[i], ARGV[i + 1]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], id)
return all
`;

/** KEYS: rec keys. Returns each record's flat hash (empty for a missing one), in order: one round trip and one reply for a batch. */
const FETCH = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** The repo's Lua scripts, by name. */
export const SCRIPTS = { create: script(CREATE), update: script(UPDATE), delete: script(DELETE), fetch: script(FETCH) } as const;

/**
 * Runs a script by its SHA, loading it on `NOSCRIPT` (after a restart or SCRIPT FLUSH). Does not
 * use `defineCommand`, so an injected client is not modified.
 */
export async function runScript(client: Redis, s: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
    return client.eval(s.source, keys.length, ...keys, ...args);
  }
}
