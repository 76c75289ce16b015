// Kafka-only reliability checks, beyond the shared contract: ordering over several partitions
// under concurrency, a dead-letter topic that rejects writes, and in-flight work on several
// partitions at close(). One set of cases, run on the single broker
// (reliability.integration.test.ts) and on the 3-node cluster with replication factor 3
// (cluster-reliability.integration.test.ts).
import { afterAll, expect, it } from '@jest/globals';
import { type MessageContext, isMotifsError } from '@motifs/core';
import { DEAD_LETTER_HEADERS } from '@motifs/core/kit';
import { uniqueNamespace, eventually } from '@motifs/test-suite';
import { createKafkaListener, createKafkaPublisher, type KafkaListener, type KafkaPublisher } from '../src/index.js';
import type { KafkaTestBed } from './helpers.js';

interface Msg {
  id: string;
  n: number;
}

const WAIT = 60_000;

/**
 * Registers the reliability cases (and an afterAll that closes what they opened and cleans `bed`)
 * in the enclosing describe. Every topic comes from `bed`, so it has the bed's replication factor.
 */
export function reliabilityCases(bed: KafkaTestBed): void {
  const open: { close(): Promise<void> }[] = [];
  const track = <R extends { close(): Promise<void> }>(r: R): R => {
    open.push(r);
    return r;
  };
  function listener<T = Msg>(channelId: string, kafka: Parameters<typeof createKafkaListener>[0]['kafka'] = {}): KafkaListener<T> {
    return track(
      createKafkaListener<T>({
        channelId,
        kafka: { client: bed.client, fromBeginning: true, groupId: uniqueNamespace('group'), logLevel: 'nothing', ...kafka } as never,
      }),
    );
  }
  const publisher = (channelId: string): KafkaPublisher<Msg> => track(createKafkaPublisher<Msg>({ channelId, kafka: { client: bed.client } }));

  afterAll(async () => {
    await Promise.all(open.splice(0).map((r) => r.close().catch(() => undefined)));
    await bed.cleanup();
  }, 120_000);

  it('keeps order within each partition with several partitions handled concurrently', async () => {
    const topic = await bed.topic(3);
    const l = listener(topic, { partitionsConcurrency: 3 });
    const got: { msg: Msg; partition: number; offset: bigint; key: string | undefined }[] = [];
    l.onError(async () => undefined);
    l.onMessage(async (msg, ctx) => {
      got.push({ msg, partition: ctx.partition, offset: BigInt(ctx.offset), key: ctx.key });
      // Yield so partitions really interleave.
      if (msg.n % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    });
    await l.listen();
    const p = publisher(topic);
    const keys = Array.from({ length: 12 }, (_, k) => `key-${k}`);
    const total = 600;
    await Promise.all(Array.from({ length: total }, (_, n) => p.publish({ id: `m${n}`, n }, { key: keys[n % keys.length] })));
    await eventually(() => got.length >= total, { timeoutMs: WAIT, what: `${total} messages` });
    expect(new Set(got.map((g) => g.msg.id)).size).toBe(total);
    expect(new Set(got.map((g) => g.partition)).size).toBe(3);
    for (const partition of [0, 1, 2]) {
      const offsets = got.filter((g) => g.partition === partition).map((g) => g.offset);
      expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
    }
    for (const key of keys) {
      const ns = got.filter((g) => g.key === key).map((g) => g.msg.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      // Publishing concurrently still kept each key's call order (the publisher coalesces in order).
      expect(ns).toEqual(Array.from({ length: total / keys.length }, (_, i) => i * keys.length + keys.indexOf(key)));
    }
  }, 120_000);

  it('does not commit a message whose dead letter cannot be written: it is redelivered until the write succeeds', async () => {
    const topic = await bed.topic(1);
    const dlq = `${topic}.dlq`;
    const admin = await bed.adminClient();
    // The broker rejects anything bigger than 64 bytes on the dead-letter topic: every dead letter fails.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: dlq, configEntries: [{ name: 'max.message.bytes', value: '64' }] }] });
    const l = listener(topic, { retry: { attempts: 1, initialBackoffMs: 20, maxBackoffMs: 50 } });
    const errors: unknown[] = [];
    const poisonDeliveries: string[] = [];
    const got: string[] = [];
    l.onError(async (err) => {
      errors.push(err);
    });
    l.onMessage(async (msg, ctx) => {
      if (msg.id === 'poison') {
        poisonDeliveries.push(ctx.offset);
        throw new Error('poison');
      }
      got.push(msg.id);
    });
    await l.listen();
    const p = publisher(topic);
    await p.publish({ id: 'poison', n: 0 });
    await p.publish({ id: 'after', n: 1 });
    await eventually(() => errors.filter((e) => isMotifsError(e, 'MOTIFS_DEAD_LETTER_FAILED')).length >= 2, { timeoutMs: WAIT, what: 'two failed dead-letter writes' });
    // Stuck on the poison message, never past it: the next message was not delivered (nor committed).
    expect(got).toEqual([]);
    expect(new Set(poisonDeliveries).size).toBe(1);
    expect(poisonDeliveries.length).toBeGreaterThanOrEqual(2);
    const failure = errors.find((e) => isMotifsError(e, 'MOTIFS_DEAD_LETTER_FAILED')) as { retryable: boolean; details: Record<string, unknown> };
    expect(failure.retryable).toBe(true);
    expect(failure.details).toMatchObject({ channelId: topic, offset: poisonDeliveries[0], deadLetterChannelId: dlq });

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: dlq, configEntries: [{ name: 'max.message.bytes', value: '1048588' }] }] });
    await eventually(() => got.includes('after'), { timeoutMs: WAIT, what: 'delivery to resume once the dead-letter topic accepts writes' });
    const letters: MessageContext[] = [];
    const reader = listener<string>(dlq, { codec: { encode: String, decode: <T>(t: string) => t as T } });
    reader.onMessage(async (_text, ctx) => {
      letters.push({ ...ctx, headers: { ...ctx.headers } });
    });
    await reader.listen();
    await eventually(() => letters.length >= 1, { timeoutMs: WAIT, what: 'the dead letter' });
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers[DEAD_LETTER_HEADERS.offset]).toBe(poisonDeliveries[0]);
    expect(errors.some((e) => isMotifsError(e, 'MOTIFS_HANDLER_FAILED'))).toBe(true);
  }, 120_000);

  it('close() drains in-flight handlers on several partitions and commits them all', async () => {
    const topic = await bed.topic(2);
    const groupId = uniqueNamespace('drain');
    const first = listener(topic, { groupId, partitionsConcurrency: 2, closeTimeoutMs: 20_000 });
    const startedIds: string[] = [];
    const startedPartitions = new Set<number>();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const finished: string[] = [];
    first.onMessage(async (msg, ctx) => {
      startedIds.push(msg.id);
      startedPartitions.add(ctx.partition);
      await held;
      finished.push(msg.id);
    });
    const p = publisher(topic);
    const total = 20;
    for (let n = 0; n < total; n++) await p.publish({ id: `m${n}`, n }, { key: `k${n}` });
    // Published before listening, so one fetch brings both partitions (kafkajs fetches again only
    // once every batch of the previous fetch is done). Each partition's first message is then held
    // in its handler and the rest wait behind it.
    await first.listen();
    await eventually(() => startedPartitions.size === 2, { timeoutMs: WAIT, what: 'a handler in flight on each partition' });
    const closing = first.close();
    // Give a close() that does not wait the chance to finish early.
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await closing;
    expect(startedIds).toHaveLength(2);
    expect([...finished].sort()).toEqual([...startedIds].sort());
    // The same group resumes after both: it sees the other messages and neither drained one again.
    const second = listener(topic, { groupId });
    const seen: string[] = [];
    second.onMessage(async (msg) => {
      seen.push(msg.id);
    });
    await second.listen();
    await eventually(() => seen.length >= total - 2, { timeoutMs: WAIT, what: 'the remaining messages' });
    await p.publish({ id: 'end', n: -1 }, { key: 'k0' });
    await p.publish({ id: 'end', n: -1 }, { key: 'k1' });
    await eventually(() => seen.filter((id) => id === 'end').length >= 1 && seen.length >= total, { timeoutMs: WAIT, what: 'the end markers' });
    expect(seen.filter((id) => startedIds.includes(id))).toEqual([]);
    expect(new Set(seen.filter((id) => id !== 'end')).size).toBe(total - 2);
  }, 120_000);
}
