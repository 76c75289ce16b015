/**
 * The stream commands a listener runs, one function each, so the listener's loop reads as policy.
 * Every call on the shared connection goes through {@link RedisIo.run}; blocking reads run on the
 * listener's dedicated connection.
 */
import { type RawMessage, decodeStreamEntry, mapRedisError, streamEntryTime, waitForRedisReady } from '@motifs/core/kit';
import type { Redis } from 'ioredis';
import type { RedisIo } from './io.js';
import { streamIdToOffset } from './offset.js';

/** One stream entry as a listener handles it. */
export interface StreamEntry {
  id: string;
  raw: RawMessage;
  /** The entry has no `v` field or malformed headers: not a motifs message. */
  malformed: boolean;
  /** Times the group delivered it, this delivery included (group mode; 1 for a first read). */
  deliveries: number;
}

type EntryReply = [id: string, fields: string[] | null];

/** A raw stream entry as the message the dispatcher decodes. */
export function toEntry(id: string, fields: string[] | null, deliveries = 1): StreamEntry {
  const list = fields ?? [];
  const msg = decodeStreamEntry(list);
  const raw: RawMessage = {
    // A malformed entry is dead-lettered with its fields as JSON, so nothing of it is lost.
    value: msg ? msg.value : JSON.stringify(Object.fromEntries(list.flatMap((v, i) => (i % 2 === 0 ? [[v, list[i + 1]]] : [])))),
    key: msg?.key,
    headers: msg?.headers,
    partition: 0,
    offset: streamIdToOffset(id),
    timestamp: streamEntryTime(id),
  };
  return { id, raw, malformed: msg === undefined, deliveries };
}

/** Whether a native Redis error is `NOGROUP` (the stream or its group is gone, e.g. Redis restarted empty). */
export function isNoGroup(err: unknown): boolean {
  const message = (err as { cause?: { message?: unknown }; message?: unknown })?.cause?.message ?? (err as { message?: unknown })?.message;
  return typeof message === 'string' && message.startsWith('NOGROUP');
}

/** XGROUP CREATE ... MKSTREAM at `start` (`$` or `0`); a group that exists already keeps its position. */
export async function createGroup(io: RedisIo, key: string, group: string, start: '$' | '0'): Promise<void> {
  await io.run('listen', async () => {
    try {
      await io.client.xgroup('CREATE', key, group, start, 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
  });
}

/** The id of the newest entry, or `0-0` for an empty or missing stream (where broadcast reading starts). */
export async function lastEntryId(io: RedisIo, key: string): Promise<string> {
  const newest = (await io.run('listen', () => io.client.xrevrange(key, '+', '-', 'COUNT', 1))) as EntryReply[];
  return newest[0]?.[0] ?? '0-0';
}

/** Waits until the dedicated connection is ready, then runs one blocking read on it. */
async function blockingRead(conn: Redis, timeoutMs: number, read: () => Promise<unknown>): Promise<[string, EntryReply[]][] | null> {
  try {
    if (conn.status !== 'ready') await waitForRedisReady(conn, { timeoutMs, what: 'read' });
    return (await read()) as [string, EntryReply[]][] | null;
  } catch (err) {
    throw isNoGroup(err) ? err : mapRedisError(err, 'read');
  }
}

/** XREADGROUP ... BLOCK for up to `count` new entries (an empty list when the block time passed). */
export async function readGroup(conn: Redis, o: { key: string; group: string; consumer: string; count: number; blockMs: number; timeoutMs: number }): Promise<StreamEntry[]> {
  const reply = await blockingRead(conn, o.timeoutMs, () =>
    conn.xreadgroup('GROUP', o.group, o.consumer, 'COUNT', o.count, 'BLOCK', o.blockMs, 'STREAMS', o.key, '>'),
  );
  return (reply?.[0]?.[1] ?? []).map(([id, fields]) => toEntry(id, fields));
}

/**
 * This consumer's own pending entries after `afterId` (XREADGROUP with an id instead of `>`):
 * what an earlier process with the same consumer name read and never acknowledged. Entries whose
 * data was trimmed meanwhile come back without fields and are left out (their ids in `gone`).
 */
export async function readOwnPending(io: RedisIo, o: { key: string; group: string; consumer: string; count: number; afterId: string }): Promise<{ entries: StreamEntry[]; gone: string[]; lastId: string | undefined }> {
  const reply = (await io.run('read', () => io.client.xreadgroup('GROUP', o.group, o.consumer, 'COUNT', o.count, 'STREAMS', o.key, o.afterId))) as [string, EntryReply[]][] | null;
  const list = reply?.[0]?.[1] ?? [];
  const live = list.filter(([, fields]) => fields !== null);
  const gone = list.filter(([, fields]) => fields === null).map(([id]) => id);
  // Delivered before: at least the second delivery (the dispatcher counts attempts from here).
  return { entries: live.map(([id, fields]) => toEntry(id, fields, 2)), gone, lastId: list.length ? list[list.length - 1]![0] : undefined };
}

/** XREAD ... BLOCK after `lastId`, without a group (broadcast mode). */
export async function readBroadcast(conn: Redis, o: { key: string; lastId: string; count: number; blockMs: number; timeoutMs: number }): Promise<StreamEntry[]> {
  const reply = await blockingRead(conn, o.timeoutMs, () => conn.xread('COUNT', o.count, 'BLOCK', o.blockMs, 'STREAMS', o.key, o.lastId));
  return (reply?.[0]?.[1] ?? []).map(([id, fields]) => toEntry(id, fields));
}

/**
 * Claims up to `count` entries of the group that have been pending, unacknowledged, for at least
 * `minIdleMs` (their consumer died, or was closed while handling them), with the number of times
 * each was delivered (this claim included). Returns the next cursor too.
 */
export async function claimIdle(
  io: RedisIo,
  o: { key: string; group: string; consumer: string; minIdleMs: number; cursor: string; count: number },
): Promise<{ entries: StreamEntry[]; cursor: string }> {
  const reply = (await io.run('claim', () => io.client.xautoclaim(o.key, o.group, o.consumer, o.minIdleMs, o.cursor, 'COUNT', o.count))) as [string, EntryReply[]];
  const [cursor, claimed] = reply;
  const live = claimed.filter(([, fields]) => fields !== null);
  if (live.length === 0) return { entries: [], cursor };
  const counts = new Map<string, number>();
  const pending = (await io.run('claim', () =>
    io.client.xpending(o.key, o.group, live[0]![0], live[live.length - 1]![0], 10_000, o.consumer),
  )) as [string, string, number, number][];
  for (const [id, , , deliveries] of pending) counts.set(id, Number(deliveries));
  return { entries: live.map(([id, fields]) => toEntry(id, fields, counts.get(id) ?? 2)), cursor };
}

/**
 * On close: hands this consumer's pending entries (abandoned, or read but never started) back to
 * the group by marking them idle for `claimIdleMs` (XCLAIM ... IDLE ... JUSTID, which does not
 * count a delivery), so the next consumer claims them at once. With none pending, removes the
 * consumer from the group when `deleteConsumer`. Returns how many entries were handed back.
 */
export async function releasePending(io: RedisIo, o: { key: string; group: string; consumer: string; claimIdleMs: number; deleteConsumer: boolean }): Promise<number> {
  const pending = (await io.run('close', () => io.client.xpending(o.key, o.group, '-', '+', 10_000, o.consumer))) as [string, string, number, number][];
  const ids = pending.map(([id]) => id);
  if (ids.length > 0) {
    await io.run('close', () => io.client.xclaim(o.key, o.group, o.consumer, 0, ...ids, 'IDLE', o.claimIdleMs, 'JUSTID'));
  } else if (o.deleteConsumer) {
    await io.run('close', () => io.client.xgroup('DELCONSUMER', o.key, o.group, o.consumer));
  }
  return ids.length;
}
