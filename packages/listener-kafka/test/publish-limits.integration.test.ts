// Message size limits (issue 14, defect 3): concurrent publishes are coalesced into produce
// requests, and a batch must never exceed what the broker accepts for the topic. Every message that
// fits on its own is delivered; only a message that alone exceeds the limit is rejected, as
// MOTIFS_VALIDATION, and it takes no other message down with it.
import { afterAll, describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { describeWithService, uniqueNamespace } from '@motifs/test-suite';
import { createKafkaPublisher, type KafkaPublisher } from '../src/index.js';
import { KafkaTestBed } from './helpers.js';

interface Big {
  id: string;
  blob: string;
}

const bed = new KafkaTestBed();
const open: KafkaPublisher<Big>[] = [];

afterAll(async () => {
  await Promise.all(open.splice(0).map((p) => p.close().catch(() => undefined)));
  await bed.cleanup();
}, 60_000);

function publisher(channelId: string): KafkaPublisher<Big> {
  const p = createKafkaPublisher<Big>({ channelId, kafka: { client: bed.client } });
  open.push(p);
  return p;
}

/** Every message of the topic (all partitions, from the beginning), as their ids. */
async function readIds(topic: string, expected: number): Promise<string[]> {
  const consumer = bed.client.consumer({ groupId: uniqueNamespace('read'), maxBytes: 50 * 1024 * 1024 });
  const ids: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        ids.push((JSON.parse(message.value!.toString('utf8')) as Big).id);
        if (ids.length >= expected) done();
      },
    });
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

/** Settles every promise; returns what each one did. */
async function outcomes(calls: Promise<void>[]): Promise<({ ok: true } | { ok: false; error: unknown })[]> {
  return Promise.all(calls.map((c) => c.then(() => ({ ok: true as const }), (error: unknown) => ({ ok: false as const, error }))));
}

const blob = (bytes: number, n: number) => `${n}`.padEnd(bytes, 'x');

describeWithService({ describe, it }, 'kafka', 'listener-kafka publish size limits (real broker)', () => {
  it('delivers eight concurrent 300 KB messages (each far under the 1 MB limit, together over it)', async () => {
    const topic = await bed.topic(1);
    const p = publisher(topic);
    await p.connect();
    const results = await outcomes(Array.from({ length: 8 }, (_, n) => p.publish({ id: `m${n}`, blob: blob(300 * 1024, n) })));
    const failures = results.filter((r) => !r.ok).map((r) => (r as { error: { code?: string; retryable?: boolean; message?: string } }).error);
    expect(failures.map((e) => `${e.code} retryable=${e.retryable}: ${e.message}`)).toEqual([]);
    expect((await readIds(topic, 8)).sort()).toEqual(Array.from({ length: 8 }, (_, n) => `m${n}`).sort());
  }, 90_000);

  it("respects the topic's own max.message.bytes and rejects only the one message that alone exceeds it", async () => {
    const topic = uniqueNamespace('motifs-listener');
    const admin = await bed.adminClient();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(200 * 1024) }] }],
    });
    const p = publisher(topic);
    await p.connect();
    // 12 messages of 120 KB on two partitions (any two of them exceed 200 KB), with one of 260 KB among them.
    const calls = Array.from({ length: 12 }, (_, n) => p.publish({ id: `m${n}`, blob: blob(120 * 1024, n) }, { key: `k${n % 4}` }));
    const tooBig = p.publish({ id: 'big', blob: blob(260 * 1024, 0) }, { key: 'k0' });
    const results = await outcomes([...calls, tooBig]);
    const failures = results.slice(0, 12).filter((r) => !r.ok);
    expect(failures).toEqual([]);
    const big = results[12]!;
    expect(big.ok).toBe(false);
    const err = (big as { error: unknown }).error;
    expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(false);
    expect((await readIds(topic, 12)).sort()).toEqual(Array.from({ length: 12 }, (_, n) => `m${n}`).sort());
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }, 90_000);
});
