// What the Redis scenarios share: a random namespace, filling concurrently, and deleting only the
// keys the scenario wrote (the Redis DB is shared: never FLUSHDB, never another prefix).
import { escapeGlob, normalizeRedisOptions, redisClientOptions } from '@motifs/core/kit';
import { Redis } from 'ioredis';

/** Runs task(i) for i in [from, to) with `width` calls in flight. */
export async function inParallel(from, to, width, task) {
  let next = from;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < to) await task(next++);
  }));
}

/** The keys matching `match`, one SCAN page (`COUNT count`) at a time. */
export async function* scanPages(raw, match, count = 2000) {
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', match, 'COUNT', count);
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}

/** Deletes the keys matching `match` (a glob on our own prefix only): SCAN MATCH, UNLINK in batches. */
export async function unlinkMatching(raw, match, count = 2000) {
  let removed = 0;
  for await (const keys of scanPages(raw, match, count)) if (keys.length) removed += await raw.unlink(...keys);
  return removed;
}

/** Deletes every key of a motif under `namespace` (its keys are `{namespace:...}...`). */
export const unlinkNamespace = (raw, namespace, count) => unlinkMatching(raw, `{${escapeGlob(namespace)}:*`, count);

/**
 * The raw ioredis peers of a Redis motif, connected: `raw` with the client options the motif opens
 * its own connection with (`redis`), and `rawPipelined`, the same plus ioredis' `enableAutoPipelining`.
 */
export async function openRawClients(url, redis) {
  const clientOptions = redisClientOptions(normalizeRedisOptions(redis));
  const raw = new Redis(url, clientOptions);
  const rawPipelined = new Redis(url, { ...clientOptions, enableAutoPipelining: true });
  await Promise.all([raw.connect(), rawPipelined.connect()]);
  return { raw, rawPipelined };
}

/** Unlinks every key under a scenario's namespace through `raw`, saying how many. */
export async function dropNamespace(raw, namespace) {
  const removed = await unlinkNamespace(raw, namespace);
  console.log(`removed ${removed} keys under ${namespace}`);
}

/** The end of a scenario that used {@link openRawClients}: its namespace dropped, both clients closed. */
export async function closeRawClients({ raw, rawPipelined }, namespace) {
  await dropNamespace(raw, namespace);
  await Promise.all([raw.quit(), rawPipelined.quit()]);
}
