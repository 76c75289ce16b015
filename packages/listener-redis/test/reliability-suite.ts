// Reliability of the Redis Streams listener beyond the shared contract, adapted from the Kafka
// listener's suites: a consumer process killed -9 mid-handler, poison and undecodable entries,
// and close() with a handler that never settles, seen from outside the process. One set of cases,
// run on a single node (reliability.integration.test.ts), on the Redis Cluster
// (reliability.cluster.integration.test.ts) and through Sentinel (reliability.sentinel.integration.test.ts).
import { afterAll, expect, it } from '@jest/globals';
import { type MessageContext, isMotifsError, textCodec } from '@motifs/core';
import { DEAD_LETTER_HEADERS, channelStreamKey } from '@motifs/core/kit';
import { eventually, uniqueNamespace } from '@motifs/test-suite';
import type { Cluster, Redis } from 'ioredis';
import { type Child, runChild } from '../../../tools/jest/child-process.js';
import { type RedisListenerOptions, createListener, createPublisher, streamIdToOffset } from '../src/index.js';

/** Where the cases run: the `redis` connection options, and a raw client to look at the streams. */
export interface RedisBed {
  /** `url` or `cluster` options, also handed to child processes as JSON. */
  connection: { url: string } | { cluster: { nodes: { host: string; port: number }[] } } | { sentinel: { sentinels: { host: string; port: number }[]; name: string } };
  /** A raw ioredis client (one node or a Cluster). */
  raw(): Redis | Cluster;
}

const WAIT = 60_000;
type Msg = { n: number };
type Closable = { close(): Promise<void> };

/** Entry id -> decoded message of a stream, read raw. */
async function entries(raw: Redis | Cluster, key: string): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const [id, fields] of (await raw.xrange(key, '-', '+')) as [string, string[]][]) {
    const rec: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) rec[fields[i]!] = fields[i + 1]!;
    out.set(id, rec);
  }
  return out;
}

/** The ids of a group's pending entries (optionally of one consumer). */
async function pendingIds(raw: Redis | Cluster, key: string, group: string): Promise<string[]> {
  const rows = (await raw.xpending(key, group, '-', '+', 10_000)) as [string, string, number, number][];
  return rows.map(([id]) => id);
}

/**
 * Registers the reliability cases (and an afterAll that closes what they opened and deletes the
 * streams they wrote) in the enclosing describe.
 */
export function reliabilityCases(bed: RedisBed): void {
  const open: Closable[] = [];
  const children: Child[] = [];
  const keys = new Set<string>();
  const track = <R extends Closable>(r: R): R => {
    open.push(r);
    return r;
  };
  let raw: Redis | Cluster | undefined;
  const client = () => (raw ??= bed.raw());
  /** A fresh namespace and channel; its stream and dead-letter stream are deleted after the suite. */
  const channel = (name: string) => {
    const namespace = uniqueNamespace('rel');
    const streamKey = channelStreamKey(namespace, name);
    const deadLetterKey = channelStreamKey(namespace, `${name}.dlq`);
    keys.add(streamKey).add(deadLetterKey);
    return { namespace, channelId: name, streamKey, deadLetterKey };
  };
  const redis = <T = unknown>(namespace: string, extra: RedisListenerOptions<T> = {}): RedisListenerOptions<T> => ({ ...bed.connection, namespace, ...extra }) as RedisListenerOptions<T>;

  afterAll(async () => {
    for (const c of children) c.kill();
    await Promise.all(open.splice(0).map((r) => r.close().catch(() => undefined)));
    if (keys.size > 0) {
      const r = client();
      for (const key of keys) await r.del(key).catch(() => undefined);
      await r.quit().catch(() => r.disconnect());
    }
  }, 60_000);

  it('kill -9 of a consumer process mid-handler: another member of the group claims its message after claimIdleMs; nothing is lost, acknowledged messages are not redelivered', async () => {
    const { namespace, channelId, streamKey } = channel('orders');
    const groupId = uniqueNamespace('group');
    const publisher = track(createPublisher<Msg>({ channelId, redis: redis(namespace) }));
    const first = 60;
    const hangAt = 30;
    for (let n = 0; n < first; n++) await publisher.publish({ n }, { key: `k${n % 5}` });

    const child = await runChild('listener-redis', 'group-member', {
      CHILD_REDIS: JSON.stringify(bed.connection),
      CHILD_NAMESPACE: namespace,
      CHILD_CHANNEL: channelId,
      CHILD_GROUP: groupId,
      CHILD_HANG_AT: String(hangAt),
    }, ['ioredis']);
    children.push(child);
    await child.line('stuck', WAIT);
    // What the group still holds unacknowledged at the moment of the kill: the message in the
    // handler, and at most the acks still on their way.
    const byId = await entries(client(), streamKey);
    const nOf = (id: string) => (JSON.parse(byId.get(id)!.v!) as Msg).n;
    child.kill();
    await child.exited;
    const pendingAtKill = (await pendingIds(client(), streamKey, groupId)).map(nOf);
    const byChild = child.lines.filter((l) => 'h' in l).map((l) => l.h as number);
    expect(byChild).toEqual(Array.from({ length: hangAt }, (_, n) => n));
    expect(pendingAtKill).toContain(hangAt);

    const survivor = track(createListener<Msg>({ channelId, redis: redis(namespace, { groupId, claimIdleMs: 500, fromBeginning: true }) }));
    const handled = new Map<number, number>();
    const contexts = new Map<number, MessageContext>();
    const errors: unknown[] = [];
    survivor.onError(async (err) => {
      errors.push(err);
    });
    survivor.onMessage(async (msg, ctx) => {
      handled.set(msg.n, (handled.get(msg.n) ?? 0) + 1);
      contexts.set(msg.n, ctx);
    });
    await survivor.listen();
    const total = first + 20;
    for (let n = first; n < total; n++) await publisher.publish({ n }, { key: `k${n % 5}` });
    const missing = () => Array.from({ length: total }, (_, n) => n).filter((n) => !handled.has(n) && !byChild.includes(n));
    await eventually(() => missing().length === 0, { timeoutMs: WAIT, what: 'every message handled by one member or the other' });
    await eventually(async () => (await pendingIds(client(), streamKey, groupId)).length === 0, { timeoutMs: WAIT, what: 'nothing left pending' });

    const redelivered = byChild.filter((n) => handled.has(n));
    const duplicates = [...handled.values()].filter((c) => c > 1).length + redelivered.length;
    process.stdout.write(`[reliability] kill -9: child handled ${byChild.length}, pending at kill ${JSON.stringify(pendingAtKill)}, survivor handled ${handled.size}, redelivered ${JSON.stringify(redelivered)}, duplicates ${duplicates}\n`);
    expect(missing()).toEqual([]);
    // The message the child died in was claimed and handled once more, by the survivor.
    expect(handled.get(hangAt)).toBe(1);
    expect(contexts.get(hangAt)).toMatchObject({ channelId, partition: 0, key: `k${hangAt % 5}` });
    // Only what was still unacknowledged when the child died comes again; nothing it acknowledged.
    expect(redelivered.filter((n) => !pendingAtKill.includes(n))).toEqual([]);
    expect([...handled.values()].every((c) => c === 1)).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  it('poison and undecodable entries go to <channelId>.dlq with the dead-letter headers, acknowledged, while later messages keep flowing in order', async () => {
    const { namespace, channelId, streamKey } = channel('payments');
    const groupId = uniqueNamespace('group');
    const listener = track(createListener<{ id: string }>({
      channelId,
      redis: redis(namespace, { groupId, fromBeginning: true, retry: { attempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 } }),
    }));
    const got: string[] = [];
    const poisonOffsets: string[] = [];
    const errors: string[] = [];
    const deadLetters: { reason: string; offset: string }[] = [];
    listener.onError(async (err) => {
      errors.push(isMotifsError(err) ? err.code : String(err));
    });
    listener.em.on('dead-letter', (e) => {
      deadLetters.push({ reason: e.reason, offset: e.offset });
    });
    listener.onMessage(async (msg, ctx) => {
      if (msg.id === 'poison') {
        poisonOffsets.push(ctx.offset);
        throw new Error('poison pill');
      }
      got.push(msg.id);
    });
    await listener.listen();
    const publisher = track(createPublisher<{ id: string }>({ channelId, redis: redis(namespace) }));
    await publisher.publish({ id: 'ok-1' });
    await publisher.publish({ id: 'poison' }, { key: 'p', headers: { tenant: 'blue' } });
    // Entries no motifs publisher writes: bad JSON, no message field, headers that are not an object.
    const badJson = (await client().xadd(streamKey, '*', 'v', '{not json', 'k', 'bad-json')) as string;
    const noValue = (await client().xadd(streamKey, '*', 'x', '1')) as string;
    const badHeaders = (await client().xadd(streamKey, '*', 'v', '{"id":"bad-headers"}', 'h', '[1,2]')) as string;
    for (let i = 2; i <= 5; i++) await publisher.publish({ id: `ok-${i}` });

    await eventually(() => got.length === 5 && deadLetters.length === 4, { timeoutMs: WAIT, what: 'five messages handled and four dead letters' });
    expect(got).toEqual(['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5']);
    expect(poisonOffsets).toHaveLength(2);
    expect(new Set(poisonOffsets).size).toBe(1);
    await eventually(async () => (await pendingIds(client(), streamKey, groupId)).length === 0, { timeoutMs: WAIT, what: 'every entry acknowledged' });
    expect(errors.filter((c) => c === 'MOTIFS_HANDLER_FAILED')).toHaveLength(1);
    expect(errors.filter((c) => c === 'MOTIFS_SERIALIZATION')).toHaveLength(3);

    // The dead-letter stream, read like any channel (text codec: the payloads are the original bytes).
    const reader = track(createListener<string>({ channelId: `${channelId}.dlq`, redis: redis(namespace, { groupId: uniqueNamespace('dlq'), fromBeginning: true, codec: textCodec }) }));
    const letters: { value: string; key: string | undefined; headers: Record<string, string> }[] = [];
    reader.onMessage(async (value, ctx) => {
      letters.push({ value, key: ctx.key, headers: { ...ctx.headers } });
    });
    await reader.listen();
    await eventually(() => letters.length >= 4, { timeoutMs: WAIT, what: 'four dead letters' });
    expect(letters).toHaveLength(4);
    const [poison, json, noV, headers] = letters;
    const common = { [DEAD_LETTER_HEADERS.sourceTopic]: channelId, [DEAD_LETTER_HEADERS.partition]: '0' };
    expect(poison).toMatchObject({ value: '{"id":"poison"}', key: 'p' });
    expect(poison!.headers).toMatchObject({
      ...common,
      tenant: 'blue',
      [DEAD_LETTER_HEADERS.reason]: 'handler',
      [DEAD_LETTER_HEADERS.code]: 'MOTIFS_HANDLER_FAILED',
      [DEAD_LETTER_HEADERS.offset]: poisonOffsets[0],
      [DEAD_LETTER_HEADERS.attempts]: '2',
    });
    expect(poison!.headers[DEAD_LETTER_HEADERS.error]).toContain('poison pill');
    expect(Number.isNaN(Date.parse(poison!.headers[DEAD_LETTER_HEADERS.failedAt]!))).toBe(false);
    expect(json).toMatchObject({ value: '{not json', key: 'bad-json' });
    for (const [letter, id] of [[json, badJson], [noV, noValue], [headers, badHeaders]] as const) {
      expect(letter!.headers).toMatchObject({
        ...common,
        [DEAD_LETTER_HEADERS.reason]: 'decode',
        [DEAD_LETTER_HEADERS.code]: 'MOTIFS_SERIALIZATION',
        [DEAD_LETTER_HEADERS.offset]: streamIdToOffset(id),
        [DEAD_LETTER_HEADERS.attempts]: '0',
      });
    }
    // Nothing of an entry that is not a motifs message is lost: its fields travel in the letter.
    expect(JSON.parse(noV!.value)).toEqual({ x: '1' });
    expect(headers!.value).toContain('bad-headers');
  }, 120_000);

  it('close() with a hung handler in a child process: bounded, reports the abandoned message, the process exits, another member gets the message', async () => {
    const { namespace, channelId } = channel('hung');
    const groupId = uniqueNamespace('group');
    const publisher = track(createPublisher<{ id: string }>({ channelId, redis: redis(namespace) }));
    await publisher.publish({ id: 'stuck' });
    const closeTimeoutMs = 1000;
    const child = await runChild('listener-redis', 'hung-close', {
      CHILD_REDIS: JSON.stringify(bed.connection),
      CHILD_NAMESPACE: namespace,
      CHILD_CHANNEL: channelId,
      CHILD_GROUP: groupId,
      CHILD_CLOSE_TIMEOUT_MS: String(closeTimeoutMs),
    }, ['ioredis']);
    children.push(child);
    const received = (await child.line('received', WAIT)) as { offset: string };
    const closed = (await child.line('closed', closeTimeoutMs + 20_000)) as {
      closeMs: number;
      errors: { code: string; details: Record<string, unknown> }[];
      abandoned: Record<string, unknown>[];
      resources: string[];
    };
    const closedAt = Date.now();
    const exit = await child.exitWithin(5000);
    child.kill();
    process.stdout.write(`[reliability] hung-close child: ${JSON.stringify({ closeMs: closed.closeMs, exitAfterCloseMs: exit === 'still running' ? exit : exit.at - closedAt, resources: closed.resources })}\n`);

    expect(closed.closeMs).toBeGreaterThanOrEqual(closeTimeoutMs - 50);
    // The documented bound: closeTimeoutMs plus about two command timeouts (2 s each by default).
    expect(closed.closeMs).toBeLessThan(closeTimeoutMs + 4000);
    expect(closed.abandoned).toEqual([{ channelId, partition: 0, offset: received.offset, code: 'MOTIFS_ABANDONED' }]);
    expect(closed.errors).toEqual([expect.objectContaining({ code: 'MOTIFS_ABANDONED', details: expect.objectContaining({ channelId, partition: 0, offset: received.offset }) })]);
    expect(closed.resources.filter((r) => r.startsWith('TCP'))).toEqual([]);
    expect(exit).not.toBe('still running');
    expect(exit === 'still running' ? undefined : exit.code).toBe(0);

    // Not acknowledged: the next member of the group gets it.
    const again = track(createListener<{ id: string }>({ channelId, redis: redis(namespace, { groupId, claimIdleMs: 500 }) }));
    const got: { id: string; offset: string }[] = [];
    again.onMessage(async (msg, ctx) => {
      got.push({ id: msg.id, offset: ctx.offset });
    });
    again.onError(async () => undefined);
    await again.listen();
    await eventually(() => got.length > 0, { timeoutMs: WAIT, what: 'the abandoned message to be redelivered' });
    expect(got).toEqual([{ id: 'stuck', offset: received.offset }]);
  }, 120_000);
}
