// Redis Streams behaviour beyond the shared contract: trimming, reclaiming a dead consumer's
// entries, the delivery-count rule, broadcast mode, concurrency, entries written by other writers
// (a repo's change feed), and close(). Runs on one node, and the topology-sensitive parts (scripts,
// claims) on Cluster and Sentinel too.
import { afterAll, describe, expect, it } from '@jest/globals';
import { type IListener, isMotifsError } from '@motifs/core';
import { DEAD_LETTER_HEADERS, encodeStreamEntry } from '@motifs/core/kit';
import { describeWithService, eventually, redisClusterNodes, redisSentinel, redisUrl, type ServiceName } from '@motifs/test-suite';
import { type RedisListener, createRedisListener, createRedisPublisher, streamIdToOffset } from '../src/index.js';
import { type Connection, TestBed } from './helpers.js';

interface Msg {
  id: string;
  n?: number;
}

const topologies: [ServiceName, string, Connection][] = [
  ['redis', 'single node', { url: redisUrl() }],
  ['redis-cluster', 'cluster', { cluster: { nodes: redisClusterNodes() }, commandTimeoutMs: 10_000 }],
  ['redis-sentinel', 'sentinel', { sentinel: redisSentinel(), commandTimeoutMs: 10_000 }],
];

const fastRetry = { attempts: 2, initialBackoffMs: 5, factor: 2, maxBackoffMs: 10 };

for (const [service, title, connection] of topologies) {
  describeWithService({ describe, it }, service, `listener-redis streams (${title})`, () => {
    const bed = new TestBed(connection);
    const open: { close(): Promise<void> }[] = [];
    const track = <R extends { close(): Promise<void> }>(r: R): R => {
      open.push(r);
      return r;
    };
    afterAll(async () => {
      await Promise.all(open.map((r) => r.close().catch(() => undefined)));
      await bed.cleanup();
    }, 30_000);

    function collect<T>(listener: IListener<T>): { got: T[]; errors: unknown[] } {
      const got: T[] = [];
      const errors: unknown[] = [];
      listener.onMessage(async (msg) => {
        got.push(msg);
      });
      listener.onError(async (err) => {
        errors.push(err);
      });
      return { got, errors };
    }

    it('trim never removes entries a group has not read or acknowledged; trimUnread does', async () => {
      const ch = bed.channel();
      const raw = bed.client();
      const publisher = track(createRedisPublisher<Msg>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, trim: { maxLen: 5, maxAgeMs: false } } }));
      // A group that reads nothing: every entry stays unread for it.
      await raw.xgroup('CREATE', ch.key, 'slow-group', '0', 'MKSTREAM');
      for (let n = 0; n < 20; n++) await publisher.publish({ id: `m${n}`, n });
      expect(await publisher.trim()).toBe(0);
      expect(await raw.xlen(ch.key)).toBe(20);
      // The group reads 12 and acknowledges 10: 2 stay pending, so only the first 10 may go.
      const read = (await raw.xreadgroup('GROUP', 'slow-group', 'c1', 'COUNT', 12, 'STREAMS', ch.key, '>')) as [string, [string, string[]][]][];
      const ids = read[0]![1].map(([id]) => id);
      await raw.xack(ch.key, 'slow-group', ...ids.slice(0, 10));
      expect(await publisher.trim()).toBe(10);
      expect(await raw.xlen(ch.key)).toBe(10);
      const first = (await raw.xrange(ch.key, '-', '+', 'COUNT', 1))[0]![0];
      expect(first).toBe(ids[10]);
      // trimUnread: the length limit wins over the group's needs.
      const reckless = track(createRedisPublisher<Msg>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, trim: { maxLen: 5, maxAgeMs: false, trimUnread: true } } }));
      expect(await reckless.trim()).toBe(5);
      expect(await raw.xlen(ch.key)).toBe(5);
    });

    it('trims by age, and a publisher trims on its own as it publishes', async () => {
      const ch = bed.channel();
      const raw = bed.client();
      // Entries written "long ago" (explicit old ids), then a publisher with a 1 h age limit.
      const old = Date.now() - 2 * 3600_000;
      for (let n = 0; n < 3; n++) await raw.xadd(ch.key, `${old + n}-0`, ...encodeStreamEntry({ value: JSON.stringify({ id: `old${n}` }) }));
      const publisher = track(createRedisPublisher<Msg>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, trim: { maxAgeMs: 3600_000 } } }));
      await publisher.publish({ id: 'new' }); // the first publish trims (in the background)
      await eventually(async () => (await raw.xlen(ch.key)) === 1, { timeoutMs: 5000, what: 'the old entries to be trimmed' });
      const entries = (await raw.xrange(ch.key, '-', '+')) as [string, string[]][];
      expect(entries.map(([, fields]) => fields)).toEqual([['v', '{"id":"new"}']]);
    });

    it("claims a dead consumer's pending entries after claimIdleMs, and dead-letters one delivered more than maxDeliveries times", async () => {
      const ch = bed.channel();
      const raw = bed.client();
      const group = 'claim-group';
      await raw.xgroup('CREATE', ch.key, group, '0', 'MKSTREAM');
      const publisher = track(await ch.publisher<Msg>());
      await publisher.publish({ id: 'orphan' });
      await publisher.publish({ id: 'poison' }, { key: 'pk' });
      // A consumer reads both and dies without acknowledging; "poison" has crashed consumers 5 times already.
      await raw.xreadgroup('GROUP', group, 'dead-consumer', 'COUNT', 10, 'STREAMS', ch.key, '>');
      const [orphanId, poisonId] = ((await raw.xrange(ch.key, '-', '+')) as [string, string[]][]).map(([id]) => id);
      await raw.xclaim(ch.key, group, 'dead-consumer', 0, poisonId!, 'RETRYCOUNT', 5, 'JUSTID');
      const dlq = track(await ch.deadLetterListener());
      const dead = collect(dlq);
      await dlq.listen();
      const listener = track(createRedisListener<Msg>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, groupId: group, claimIdleMs: 300, maxDeliveries: 5 } }));
      const { got, errors } = collect(listener);
      await listener.listen();
      await eventually(() => got.length >= 1 && dead.got.length >= 1 && errors.length >= 1, { timeoutMs: 15_000, what: 'the claim' });
      expect(got.map((m) => m.id)).toEqual(['orphan']);
      expect(JSON.parse(dead.got[0]!)).toEqual({ id: 'poison' });
      expect(errors).toHaveLength(1);
      expect(isMotifsError(errors[0], 'MOTIFS_HANDLER_FAILED')).toBe(true);
      expect((errors[0] as { details: Record<string, unknown> }).details).toMatchObject({ deliveries: 6, maxDeliveries: 5, offset: streamIdToOffset(poisonId!) });
      await eventually(async () => ((await raw.xpending(ch.key, group)) as [number])[0] === 0, { timeoutMs: 5000, what: 'both acknowledged' });
      expect(orphanId).toBeDefined();
    });
  });
}

describeWithService({ describe, it }, 'redis', 'listener-redis streams (single node only)', () => {
  const connection = { url: redisUrl() };
  const bed = new TestBed(connection);
  const open: { close(): Promise<void> }[] = [];
  const track = <R extends { close(): Promise<void> }>(r: R): R => {
    open.push(r);
    return r;
  };
  afterAll(async () => {
    await Promise.all(open.map((r) => r.close().catch(() => undefined)));
    await bed.cleanup();
  }, 30_000);

  const listenerOn = <T = Msg>(ch: { channelId: string; namespace: string }, redis: Record<string, unknown> = {}): RedisListener<T> =>
    track(createRedisListener<T>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, ...redis } }));

  it('broadcast: every instance sees every message published while it listens, none from before; failures are dead-lettered', async () => {
    const ch = bed.channel();
    const publisher = track(await ch.publisher<Msg>());
    await publisher.publish({ id: 'before' });
    const a = listenerOn(ch, { mode: 'broadcast', retry: fastRetry });
    const b = listenerOn(ch, { mode: 'broadcast', retry: fastRetry });
    const seenA: string[] = [];
    const seenB: string[] = [];
    const errorsB: unknown[] = [];
    a.onMessage(async (m) => {
      seenA.push(m.id);
    });
    b.onMessage(async (m) => {
      if (m.id === 'bad') throw new Error('b cannot');
      seenB.push(m.id);
    });
    b.onError(async (e) => {
      errorsB.push(e);
    });
    await a.listen();
    await b.listen();
    for (const id of ['x', 'bad', 'y']) await publisher.publish({ id });
    await eventually(() => seenA.length >= 3 && seenB.length >= 2 && errorsB.length >= 1, { timeoutMs: 10_000, what: 'both instances' });
    expect(seenA).toEqual(['x', 'bad', 'y']);
    expect(seenB).toEqual(['x', 'y']);
    expect(isMotifsError(errorsB[0], 'MOTIFS_HANDLER_FAILED')).toBe(true);
    const raw = bed.client();
    const letters = (await raw.xrange(`${ch.key}.dlq`, '-', '+')) as [string, string[]][];
    expect(letters).toHaveLength(1);
    // No consumer group was created in broadcast mode.
    expect(await raw.xinfo('GROUPS', ch.key)).toEqual([]);
  });

  it('reads entries another writer appended in the shared layout (a repo change feed), and dead-letters malformed ones', async () => {
    const ch = bed.channel();
    const listener = listenerOn<Record<string, unknown>>(ch, { groupId: 'feed', fromBeginning: true });
    const got: { msg: Record<string, unknown>; key: string | undefined; headers: Record<string, string> }[] = [];
    const errors: unknown[] = [];
    listener.onMessage(async (msg, ctx) => {
      got.push({ msg, key: ctx.key, headers: { ...ctx.headers } });
    });
    listener.onError(async (e) => {
      errors.push(e);
    });
    const raw = bed.client();
    await raw.xadd(ch.key, '*', ...encodeStreamEntry({ value: '{"op":"create","id":"c1"}', key: 'c1', headers: { 'x-op': 'create' } }));
    await raw.xadd(ch.key, '*', 'unexpected', 'field');
    await raw.xadd(ch.key, '*', 'v', '{"op":"delete","id":"c1"}', 'h', '[1]');
    await raw.xadd(ch.key, '*', ...encodeStreamEntry({ value: '{"op":"update","id":"c2"}' }));
    await listener.listen();
    await eventually(() => got.length >= 2 && errors.length >= 2, { timeoutMs: 10_000, what: 'messages and dead letters' });
    expect(got).toEqual([
      { msg: { op: 'create', id: 'c1' }, key: 'c1', headers: { 'x-op': 'create' } },
      { msg: { op: 'update', id: 'c2' }, key: undefined, headers: {} },
    ]);
    expect(errors.every((e) => isMotifsError(e, 'MOTIFS_SERIALIZATION'))).toBe(true);
    const letters = (await raw.xrange(`${ch.key}.dlq`, '-', '+')) as [string, string[]][];
    expect(letters).toHaveLength(2);
    const headers = JSON.parse(letters[0]![1][letters[0]![1].indexOf('h') + 1]!) as Record<string, string>;
    expect(headers[DEAD_LETTER_HEADERS.reason]).toBe('decode');
    expect(letters[0]![1][1]).toBe('{"unexpected":"field"}');
    expect(((await raw.xpending(ch.key, 'feed')) as [number])[0]).toBe(0);
  });

  it('concurrency > 1 runs that many handlers at once; two instances with different options share one group, each message once', async () => {
    const ch = bed.channel();
    const publisher = track(await ch.publisher<Msg>());
    const a = listenerOn(ch, { groupId: 'shared', concurrency: 4, fromBeginning: true, trim: { maxLen: 10 } });
    const b = listenerOn(ch, { groupId: 'shared', concurrency: 1, claimIdleMs: 1000, trim: { maxAgeMs: false } });
    let running = 0;
    let maxRunning = 0;
    const seen: string[] = [];
    const handler = (pauseMs: number) => async (m: Msg) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, pauseMs));
      running--;
      seen.push(m.id);
    };
    a.onMessage(handler(50));
    b.onMessage(handler(5));
    await a.listen();
    await b.listen();
    const total = 40;
    await Promise.all(Array.from({ length: total }, (_, n) => publisher.publish({ id: `m${n}`, n })));
    await eventually(() => seen.length >= total, { timeoutMs: 15_000, what: 'every message' });
    expect([...seen].sort()).toEqual(Array.from({ length: total }, (_, n) => `m${n}`).sort());
    expect(new Set(seen).size).toBe(total);
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(5);
  });

  it('a consumer restarted under the same name first handles what it had read and not acknowledged, in stream order', async () => {
    const ch = bed.channel();
    const raw = bed.client();
    const group = 'stable-group';
    await raw.xgroup('CREATE', ch.key, group, '0', 'MKSTREAM');
    const publisher = track(await ch.publisher<Msg>());
    for (let n = 0; n < 6; n++) await publisher.publish({ id: `m${n}` });
    // "pod-1" read m0..m3 and died before acknowledging any (a crash: nothing handed back).
    await raw.xreadgroup('GROUP', group, 'pod-1', 'COUNT', 4, 'STREAMS', ch.key, '>');
    for (let n = 6; n < 8; n++) await publisher.publish({ id: `m${n}` });
    // Restarted at once with the same name; claimIdleMs far away, so nothing comes from claims.
    const listener = track(createRedisListener<Msg>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, groupId: group, consumer: 'pod-1', claimIdleMs: 600_000 } }));
    const got: { id: string; attempt: number }[] = [];
    listener.onMessage(async (msg, ctx) => {
      got.push({ id: msg.id, attempt: ctx.attempt });
    });
    await listener.listen();
    await eventually(() => got.length >= 8, { timeoutMs: 10_000, what: 'all 8 messages' });
    expect(got.map((g) => g.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    await eventually(async () => ((await raw.xpending(ch.key, group)) as [number])[0] === 0, { timeoutMs: 5000, what: 'everything acknowledged' });
  });

  it('close() interrupts the blocking read, and leaves the group when it holds nothing pending', async () => {
    const ch = bed.channel();
    const publisher = track(await ch.publisher<Msg>());
    const listener = listenerOn(ch, { groupId: 'leaver' });
    const got: string[] = [];
    listener.onMessage(async (m) => {
      got.push(m.id);
    });
    await listener.listen();
    await publisher.publish({ id: 'one' });
    await eventually(() => got.length === 1, { timeoutMs: 5000, what: 'the message' });
    const raw = bed.client();
    await eventually(async () => ((await raw.xpending(ch.key, 'leaver')) as [number])[0] === 0, { timeoutMs: 5000, what: 'the ack' });
    expect(await raw.xinfo('CONSUMERS', ch.key, 'leaver')).toHaveLength(1);
    // The loop is now blocked in XREADGROUP for up to 5 s; close() must not wait that out.
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await listener.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await raw.xinfo('CONSUMERS', ch.key, 'leaver')).toEqual([]);
  });

  it('with redis.durability, a publish that too few replicas confirmed rejects as outcome-unknown (the entry may exist)', async () => {
    const ch = bed.channel();
    const raw = bed.client();
    const replicas = Number(((await raw.info('replication')).match(/connected_slaves:(\d+)/) ?? [])[1] ?? 0);
    const publisher = track(createRedisPublisher<Msg>({ channelId: ch.channelId, redis: { ...connection, namespace: ch.namespace, durability: { replicas: replicas + 1, timeoutMs: 100 } } }));
    const err = await publisher.publish({ id: 'x' }).catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect(err).toMatchObject({ outcomeUnknown: true, retryable: false, details: { what: 'publish', acked: replicas, wanted: replicas + 1 } });
    expect(await raw.xlen(ch.key)).toBe(1);
  });

  it('maps an unreachable Redis to typed, retryable errors: publish and listen fail, nothing half-done', async () => {
    const down = { url: 'redis://127.0.0.1:1', commandTimeoutMs: 300, connectTimeoutMs: 200 };
    const publisher = track(createRedisPublisher<Msg>({ channelId: 'orders', redis: down }));
    const err = await publisher.publish({ id: 'x' }).catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE') || isMotifsError(err, 'MOTIFS_TIMEOUT')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
    expect((err as { outcomeUnknown: boolean }).outcomeUnknown).toBe(false);
    const listener = track(createRedisListener<Msg>({ channelId: 'orders', redis: { ...down, groupId: 'g' } }));
    listener.onMessage(async () => undefined);
    listener.onError(async () => undefined);
    const listenErr = await listener.listen().catch((e: unknown) => e);
    expect(isMotifsError(listenErr, 'MOTIFS_UNAVAILABLE') || isMotifsError(listenErr, 'MOTIFS_TIMEOUT')).toBe(true);
  });
});
