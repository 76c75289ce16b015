import { createHash } from 'node:crypto';
import { runRedisDurably, type RedisDurabilityOptions, type RedisDurableWrite } from '@motifs/core/kit';
import type { Redis } from 'ioredis';
import { CHANGE_HELPERS } from './change-script.js';
import type { FlatSend } from './flat-command.js';

// Each write is one script, so a record and its index entries change together: Redis runs a
// script without interleaving another command. Index keys are derived from the repo's key prefix
// (ARGV) and share its hash tag, hence its cluster slot.
//
// An index entry's value part is the JSON text stored in the record hash, so the scripts can
// remove or rebuild entries without parsing JSON: text starting with "{" or "[" is never indexed,
// text starting with "-" or a digit is a number (and a valid ZADD score as it is).
//
// Every write first checks the repo's declared index list against the one stored in the meta
// hash, so an instance declaring other indexes can never leave the indexes incomplete. While a
// reindex() runs, the meta hash holds its marker ("!reindex:<token>") instead of a list: every
// write and query is refused until it stores the new list, and each of its steps checks that the
// marker is still its own, so two reindex() calls cannot interleave their work.
//
// With a change feed (KEYS[4], KEYS[5]: see change-script.ts) each write also counts the record's
// version and appends its change message, in the same script. Everything that could fail is
// checked before the first write, so a script never stops half-way.

const HELPERS = `
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
-- 1: the stored list is the declared one; 2: it is not but may become it (store it); 0: refuse.
local function indexes_fit(meta, ids, declared)
  local stored = redis.call('HGET', meta, 'indexes')
  if stored == declared then return 1 end
  -- A reindex() is under way (or died half-way): nothing may be written until it completes.
  if stored and string.sub(stored, 1, 1) == '!' then return 0 end
  -- An empty repo takes any list; so does a repo with no list stored that declares none.
  if redis.call('SCARD', ids) > 0 and (stored or declared ~= '[]') then return 0 end
  return 2
end
local function indexes_match(meta, ids, declared)
  local fit = indexes_fit(meta, ids, declared)
  if fit == 2 then redis.call('HSET', meta, 'indexes', declared) end
  return fit ~= 0
end
${CHANGE_HELPERS}`;

/**
 * KEYS: rec, ids, meta[, ver, stream]. ARGV: id, prefix, declared indexes, n, n field/json pairs, then
 * (fieldJson, valueJson|'', score|'') per index entry, then with a feed the change message up to
 * `"version":`. Returns 1, 0 if the id exists, -1 on an index mismatch, -2 when a feed key holds
 * another type (nothing written in each refusal).
 */
const CREATE = `${HELPERS}
local fit = indexes_fit(KEYS[3], KEYS[2], ARGV[3])
if fit == 0 then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local id, prefix, n, last = ARGV[1], ARGV[2], tonumber(ARGV[4]), #ARGV
if #KEYS == 5 then
  local version = redis.pcall('HINCRBY', KEYS[4], id, '1')
  if type(version) ~= 'number' then return -2 end
  local added = redis.pcall('XADD', KEYS[5], '*', 'v', stamped(ARGV[last], version), 'k', id)
  if type(added) == 'table' and added.err then
    if version == 1 then redis.call('HDEL', KEYS[4], id) else redis.call('HINCRBY', KEYS[4], id, '-1') end
    return -2
  end
  last = last - 1
end
if fit == 2 then redis.call('HSET', KEYS[3], 'indexes', ARGV[3]) end
hset_all(KEYS[1], 5, 4 + 2 * n)
redis.call('SADD', KEYS[2], id)
for i = 5 + 2 * n, last, 3 do index(prefix, id, ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
return 1
`;

/**
 * KEYS: rec, ids, meta[, ver, stream]. ARGV: id, prefix, declared indexes, n, n field/json pairs, then
 * (field, fieldJson, valueJson|'', score|'') per indexed field in the patch.
 * Returns the merged hash, nil if missing, -1 on an index mismatch, -2 when a feed key holds another type.
 */
const UPDATE = `${HELPERS}
if not feed_ok() then return -2 end
if not indexes_match(KEYS[3], KEYS[2], ARGV[3]) then return -1 end
local previous
if #KEYS == 5 then
  local before = redis.call('HGETALL', KEYS[1])
  if #before == 0 then return false end
  previous = json_object(before, 1, #before)
elseif redis.call('EXISTS', KEYS[1]) == 0 then return false end
local id, prefix, n = ARGV[1], ARGV[2], tonumber(ARGV[4])
for i = 5 + 2 * n, #ARGV, 4 do
  unindex(KEYS[1], prefix, id, ARGV[i], ARGV[i + 1])
  index(prefix, id, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
end
hset_all(KEYS[1], 5, 4 + 2 * n)
local all = redis.call('HGETALL', KEYS[1])
if previous then publish_change('update', id, json_object(all, 1, #all), previous) end
return all
`;

/**
 * KEYS: rec, ids, meta[, ver, stream]. ARGV: id, prefix, declared indexes, then (field, fieldJson) per indexed
 * field. Returns the deleted hash, nil if missing, -1 on an index mismatch, -2 when a feed key holds another type.
 */
const DELETE = `${HELPERS}
if not feed_ok() then return -2 end
if not indexes_match(KEYS[3], KEYS[2], ARGV[3]) then return -1 end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return false end
local id, prefix = ARGV[1], ARGV[2]
for i = 4, #ARGV, 2 do unindex(KEYS[1], prefix, id, ARGV[i], ARGV[i + 1]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], id)
if #KEYS == 5 then publish_change('delete', id, json_object(all, 1, #all)) end
return all
`;

/** KEYS: rec keys. Returns each record's flat hash (empty for a missing one), in order: one round trip and one reply for a batch. */
const FETCH = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
`;

/**
 * KEYS: meta, then rec keys. ARGV: prefix, the reindex marker, then (field, fieldJson) per declared
 * index. Adds the index entries of each existing record (used by reindex after the old entries
 * were dropped). Returns the number of records, or -1 when the marker is no longer this reindex's.
 */
const REINDEX = `
if redis.call('HGET', KEYS[1], 'indexes') ~= ARGV[2] then return -1 end
local prefix = ARGV[1]
local n = 0
for k = 2, #KEYS do
  local key = KEYS[k]
  local id = string.sub(key, #prefix + 5)
  if redis.call('EXISTS', key) == 1 then
    n = n + 1
    for i = 3, #ARGV, 2 do
      local v = redis.call('HGET', key, ARGV[i])
      if v then
        local c = string.sub(v, 1, 1)
        if c ~= '{' and c ~= '[' then redis.call('SADD', prefix .. 'idx:' .. ARGV[i + 1] .. ':' .. v, id) end
        if c == '-' or string.find(c, '%d') then redis.call('ZADD', prefix .. 'zidx:' .. ARGV[i + 1], v, id) end
      end
    end
  end
end
return n
`;

/** KEYS: meta, then index keys to drop. ARGV: the reindex marker. Returns the number dropped, or -1 when the marker is not this reindex's. */
const REINDEX_DROP = `
if redis.call('HGET', KEYS[1], 'indexes') ~= ARGV[1] then return -1 end
if #KEYS == 1 then return 0 end
return redis.call('UNLINK', unpack(KEYS, 2))
`;

/** KEYS: meta. ARGV: the reindex marker, the new index list. Stores the list if the marker is still this reindex's: 1, else -1. */
const REINDEX_DONE = `
if redis.call('HGET', KEYS[1], 'indexes') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'indexes', ARGV[2])
return 1
`;

/**
 * KEYS: rec keys. ARGV: field names, the first one "id". Returns HMGET of those fields per record,
 * so a scan reads only the fields its conditions test (a missing record has a nil id).
 */
const PROBE = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HMGET', key, unpack(ARGV)) end
return out
`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** The repo's Lua scripts, by name. */
export const SCRIPTS = {
  create: script(CREATE),
  update: script(UPDATE),
  delete: script(DELETE),
  fetch: script(FETCH),
  probe: script(PROBE),
  reindex: script(REINDEX),
  reindexDrop: script(REINDEX_DROP),
  reindexDone: script(REINDEX_DONE),
} as const;

/**
 * Runs a script by its SHA, loading it on `NOSCRIPT` (after a restart or SCRIPT FLUSH). Does not
 * use `defineCommand`, so an injected client is not modified. With `send` (flat-command.ts) the
 * `EVALSHA` skips ioredis' copy of its arguments.
 */
export async function runScript(client: Redis, s: Script, keys: string[], args: (string | number)[], send?: FlatSend): Promise<unknown> {
  try {
    return await (send === undefined ? client.evalsha(s.sha, keys.length, ...keys, ...args) : send('evalsha', [s.sha, keys.length, ...keys, ...args], 'utf8'));
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return client.eval(s.source, keys.length, ...keys, ...args);
  }
}

const isNoScript = (err: unknown): boolean => String((err as Error)?.message).startsWith('NOSCRIPT');

/**
 * Runs a write script and then `WAIT durability.replicas durability.timeoutMs` in one pipeline:
 * both reach the connection that owns the script's keys (on a cluster, the master of their one
 * slot), so `WAIT` counts the replicas that have this write. Rejects with the script's native
 * error, or a `MotifsErrorUnavailable` (`outcomeUnknown`, `details.acked` / `wanted`) when fewer
 * replicas confirmed in time.
 */
export async function runScriptDurably(
  client: Redis,
  s: Script,
  keys: string[],
  args: (string | number)[],
  durability: Required<RedisDurabilityOptions>,
  write: RedisDurableWrite,
): Promise<unknown> {
  try {
    const [reply] = await runRedisDurably(client, durability, (p) => p.call('EVALSHA', s.sha, keys.length, ...keys, ...args), write);
    return reply;
  } catch (err) {
    // Not loaded: nothing ran (the WAIT that followed confirmed earlier writes only).
    if (!isNoScript(err)) throw err;
    const [reply] = await runRedisDurably(client, durability, (p) => p.call('EVAL', s.source, keys.length, ...keys, ...args), write);
    return reply;
  }
}
