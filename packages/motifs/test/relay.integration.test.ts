// The outbox relay end to end: a Redis stream (written in the pinned channel entry format, as a
// repo's change feed writes it) relayed to a Kafka topic by makeRelay in a child process, which is
// killed -9 mid-stream; a second relay starts from the same consumer group. Every source message
// must reach Kafka at least once, in order per key; the copies a restart re-sends are counted and
// carry the same source offset, so a consumer can drop them.
import { afterAll, describe, expect, it } from '@jest/globals';
import { RELAY_HEADERS, channelStreamKey, encodeStreamEntry } from '@motifs/core/kit';
import { describeWithService, eventually, kafkaBrokers, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { type Child, runChild } from '../../../tools/jest/child-process.js';
import { deleteTopics, purgeNamespace } from '../../../tools/jest/cleanup.js';
import { type IBaseDto, type RepoChange, makeListener, makeRepo } from '../src/index.js';

interface Change {
  id: string;
  version: number;
}

interface Contact extends IBaseDto {
  name: string;
}

interface Arrival {
  change: Change;
  key: string | undefined;
  partition: number;
  sourceOffset: string | undefined;
  sourceChannel: string | undefined;
}

const api = { describe, it };
const KEYS = 20;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const countF = (c: Child) => c.lines.filter((l) => 'f' in l).length;

describeWithService(api, 'kafka', 'outbox relay: Redis stream -> Kafka topic', () => {
  describeWithService(api, 'redis', 'with a real Redis and Kafka', () => {
    const namespaces: string[] = [];
    const topics: string[] = [];
    const children: Child[] = [];
    const open: { close(): Promise<void> }[] = [];
    const raw = new Redis(redisUrl(), { lazyConnect: true });

    afterAll(async () => {
      for (const c of children) c.kill();
      await Promise.all(open.splice(0).map((r) => r.close().catch(() => undefined)));
      await raw.quit().catch(() => raw.disconnect());
      for (const ns of namespaces) await purgeNamespace(redisUrl(), ns);
      await deleteTopics(kafkaBrokers(), topics);
    }, 120_000);

    /**
     * A source stream, a 3-partition topic, a Kafka consumer recording what arrives, and a way to
     * start relay processes (all in one consumer group) with a given `claimIdleMs`.
     */
    async function scenario() {
      const namespace = uniqueNamespace('relay');
      const topic = uniqueNamespace('relay-out');
      namespaces.push(namespace);
      topics.push(topic);
      const channelId = 'contacts.changes';
      const relayGroup = 'outbox-relay';
      const streamKey = channelStreamKey(namespace, channelId);
      const admin = new Kafka({ brokers: kafkaBrokers(), clientId: 'motifs-relay-test', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
      const arrived: Arrival[] = [];
      const consumer = await makeListener<Change>({ kind: 'kafka', channelId: topic, kafka: { brokers: kafkaBrokers(), groupId: `${topic}-check`, fromBeginning: true, logLevel: 'nothing' } });
      open.push(consumer);
      consumer.onMessage(async (change, ctx) => {
        arrived.push({ change, key: ctx.key, partition: ctx.partition, sourceOffset: ctx.headers[RELAY_HEADERS.sourceOffset], sourceChannel: ctx.headers[RELAY_HEADERS.sourceChannel] });
      });
      await consumer.listen();
      /** The i-th change: record `c<i % KEYS>`, versions 1, 2, 3... per record. */
      const write = async (i: number) => {
        const change: Change = { id: `c${i % KEYS}`, version: Math.floor(i / KEYS) + 1 };
        await raw.xadd(streamKey, '*', ...encodeStreamEntry({ value: JSON.stringify(change), key: change.id }));
      };
      const relay = async (claimIdleMs: number, consumer?: string) => {
        const child = await runChild('motifs', '../relay-child', {
          CHILD_REDIS: JSON.stringify({ url: redisUrl() }),
          CHILD_NAMESPACE: namespace,
          CHILD_CHANNEL: channelId,
          CHILD_GROUP: relayGroup,
          CHILD_CLAIM_IDLE_MS: String(claimIdleMs),
          CHILD_BROKERS: kafkaBrokers().join(','),
          CHILD_TOPIC: topic,
          ...(consumer ? { CHILD_CONSUMER: consumer } : {}),
        }, ['ioredis', 'kafkajs']);
        children.push(child);
        await child.line('started', 60_000);
        return child;
      };
      const pending = async () => ((await raw.xpending(streamKey, relayGroup)) as [number])[0];
      const sources = () => new Set(arrived.map((a) => `${a.change.id}@${a.change.version}`));
      /** Per record, the versions in the order of their first arrival. */
      const firstArrivals = (k: number) => {
        const versions = arrived.filter((a) => a.change.id === `c${k}`).map((a) => a.change.version);
        return versions.filter((v, i) => versions.indexOf(v) === i);
      };
      return { namespace, channelId, arrived, write, relay, pending, sources, firstArrivals };
    }

    it('a relay killed -9 mid-stream and restarted from its group delivers every message at least once; copies carry the source offset', async () => {
      const total = 400;
      const s = await scenario();
      for (let i = 0; i < total / 2; i++) await s.write(i);
      const first = await s.relay(1000);
      // The rest is written while the relay runs.
      const writing = (async () => {
        for (let i = total / 2; i < total; i++) {
          await s.write(i);
          if (i % 10 === 0) await sleep(2);
        }
      })();
      await eventually(() => countF(first) >= 120, { timeoutMs: 60_000, what: 'the first relay to forward 120 messages' });
      first.kill();
      await first.exited;
      const forwardedByFirst = countF(first);
      const pendingAtKill = await s.pending();

      const second = await s.relay(1000);
      await writing;
      await eventually(() => s.sources().size === total, { timeoutMs: 120_000, what: `all ${total} changes on Kafka` });
      await eventually(async () => (await s.pending()) === 0, { timeoutMs: 30_000, what: 'every source message acknowledged' });
      second.proc.kill('SIGTERM');
      const closed = (await second.line('closed', 30_000)) as { closed: boolean; closeMs: number };
      const exit = await second.exited;

      const duplicates = s.arrived.length - total;
      process.stdout.write(`[relay] first relay forwarded ${forwardedByFirst} before kill -9 (${pendingAtKill} unacknowledged at the kill); Kafka got ${s.arrived.length} for ${total} source messages (${duplicates} duplicates); second relay closed in ${closed.closeMs} ms\n`);

      // At least once: every change is there.
      expect(s.sources().size).toBe(total);
      for (let k = 0; k < KEYS; k++) {
        // Keyed by record id: one partition per record.
        expect(new Set(s.arrived.filter((a) => a.change.id === `c${k}`).map((a) => a.partition)).size).toBe(1);
      }
      expect(s.arrived.every((a) => a.key === a.change.id && a.sourceChannel === s.channelId)).toBe(true);
      // Copies of one source message carry its source offset; only what was unacknowledged at the kill is sent twice.
      const offsetsOf = new Map<string, Set<string | undefined>>();
      for (const a of s.arrived) {
        const id = `${a.change.id}@${a.change.version}`;
        offsetsOf.set(id, (offsetsOf.get(id) ?? new Set()).add(a.sourceOffset));
      }
      expect([...offsetsOf.values()].every((set) => set.size === 1 && !set.has(undefined))).toBe(true);
      expect(duplicates).toBeLessThanOrEqual(pendingAtKill);
      expect(closed.closed).toBe(true);
      expect(exit.code).toBe(0);
    }, 300_000);

    it('a relay stopped gracefully (SIGTERM) and started again loses nothing, repeats nothing and keeps each record\'s order', async () => {
      const total = 200;
      const s = await scenario();
      for (let i = 0; i < total; i++) await s.write(i);
      const first = await s.relay(5000);
      await eventually(() => countF(first) >= 40, { timeoutMs: 60_000, what: 'the first relay to forward 40 messages' });
      first.proc.kill('SIGTERM');
      const closed = (await first.line('closed', 30_000)) as { closed: boolean; closeMs: number };
      const exit = await first.exited;
      // close() handed what it had read but not started back to the group, claimable at once.
      const second = await s.relay(5000);
      await eventually(() => s.sources().size === total, { timeoutMs: 120_000, what: `all ${total} changes on Kafka` });
      await eventually(async () => (await s.pending()) === 0, { timeoutMs: 30_000, what: 'every source message acknowledged' });
      second.kill();
      process.stdout.write(`[relay] graceful restart: first relay forwarded ${countF(first)}, closed in ${closed.closeMs} ms; Kafka got ${s.arrived.length} for ${total}\n`);
      expect(closed.closed).toBe(true);
      expect(exit.code).toBe(0);
      expect(s.arrived).toHaveLength(total);
      for (let k = 0; k < KEYS; k++) expect(s.firstArrivals(k)).toEqual(Array.from({ length: total / KEYS }, (_, i) => i + 1));
    }, 300_000);

    it('a repo\'s change feed reaches Kafka through the relay: every committed write, keyed by record id, in version order', async () => {
      const s = await scenario();
      const contacts = await makeRepo<Contact>({ kind: 'redis', name: 'contacts', namespace: s.namespace, changes: { channelId: s.channelId }, redis: { url: redisUrl() } });
      open.push(contacts);
      const relay = await s.relay(5000);
      const ids: string[] = [];
      for (let n = 0; n < 10; n++) ids.push((await contacts.create({ name: `c${n}` })).id);
      for (let round = 1; round <= 3; round++) await Promise.all(ids.map((id) => contacts.update(id, { name: `r${round}` })));
      for (const id of ids.slice(0, 3)) await contacts.delete_(id);
      const writes = 10 + 30 + 3;
      await eventually(() => s.arrived.length >= writes, { timeoutMs: 60_000, what: `${writes} changes on Kafka` });
      relay.kill();
      const changes = s.arrived.map((a) => ({ ...(a.change as unknown as RepoChange<Contact>), key: a.key }));
      expect(changes).toHaveLength(writes);
      for (const id of ids) {
        const mine = changes.filter((c) => c.id === id);
        expect(mine.every((c) => c.key === id)).toBe(true);
        expect(mine.map((c) => c.version)).toEqual(mine.map((_, i) => i + 1));
        expect(mine.map((c) => c.op)).toEqual(['create', 'update', 'update', 'update', ...(ids.indexOf(id) < 3 ? ['delete'] : [])]);
        expect(mine.at(-1)!.dto.name).toBe('r3');
      }
    }, 300_000);

    it('a relay restarted at once after a kill -9 under the same consumer name keeps each record\'s order (what the crashed one read but had not published comes first)', async () => {
      const total = 200;
      const s = await scenario();
      for (let i = 0; i < total; i++) await s.write(i);
      // claimIdleMs far above the restart time: the new relay is up while the old one's entries still look busy.
      const claimIdleMs = 5000;
      // A stable consumer name (a pod name in production): the restarted relay reads its own
      // unacknowledged entries first. Without one, it would start on new entries while the dead
      // one's wait for claimIdleMs, and a record's versions could overtake each other.
      const first = await s.relay(claimIdleMs, 'relay-pod-1');
      await eventually(() => countF(first) >= 40, { timeoutMs: 60_000, what: 'the first relay to forward 40 messages' });
      first.kill();
      await first.exited;
      const pendingAtKill = await s.pending();
      const second = await s.relay(claimIdleMs, 'relay-pod-1');
      await eventually(() => s.sources().size === total, { timeoutMs: 120_000, what: `all ${total} changes on Kafka` });
      await eventually(async () => (await s.pending()) === 0, { timeoutMs: 30_000, what: 'every source message acknowledged' });
      second.kill();
      const outOfOrder = Array.from({ length: KEYS }, (_, k) => k).filter((k) => s.firstArrivals(k).some((v, i, all) => i > 0 && v < all[i - 1]!));
      process.stdout.write(`[relay] restart at once: ${pendingAtKill} unacknowledged at the kill; records out of order on Kafka: ${outOfOrder.length} of ${KEYS}${outOfOrder.length ? ` (e.g. c${outOfOrder[0]}: ${JSON.stringify(s.firstArrivals(outOfOrder[0]!))})` : ''}\n`);
      expect(s.sources().size).toBe(total);
      for (let k = 0; k < KEYS; k++) expect(s.firstArrivals(k)).toEqual(Array.from({ length: total / KEYS }, (_, i) => i + 1));
    }, 300_000);
  });
});
