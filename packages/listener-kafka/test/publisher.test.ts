// Unit tests of the publisher's batching with a fake kafkajs client: what a real broker will not do
// on demand (fail a request in a way whose outcome is unknown, or reject a batch as too large at a
// chosen moment). The real-broker behaviour is in publish-limits and failover integration suites.
import { describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import kafkajs from 'kafkajs';
import type { Kafka as KafkaClient, Message, PartitionMetadata, ProducerConfig } from 'kafkajs';
import { KafkaPublisher } from '../src/index.js';

const { Partitioners } = kafkajs;
const TOPIC = 'orders';
const metadata: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId + 1, replicas: [1, 2, 3], isr: [1, 2, 3], offlineReplicas: [], partitionErrorCode: 0 }));

interface Send {
  producer: number;
  partitions: number[];
  ids: number[];
}

/** A kafkajs client whose producers call the configured partitioner per message, as kafkajs does, and record each send. */
function fakeClient(behaviour: { fail?: (send: Send, n: number) => unknown; maxMessageBytes?: number } = {}) {
  const sends: Send[] = [];
  const disconnected: number[] = [];
  let producers = 0;
  const client = {
    consumer: () => ({}),
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      describeConfigs: async () => ({ resources: [{ configEntries: [{ configName: 'max.message.bytes', configValue: String(behaviour.maxMessageBytes ?? 1_048_588) }] }] }),
    }),
    producer: (config: ProducerConfig) => {
      const id = producers++;
      const partitioner = config.createPartitioner!();
      return {
        connect: async () => undefined,
        disconnect: async () => {
          disconnected.push(id);
        },
        send: async ({ messages }: { messages: Message[] }) => {
          const partitions = messages.map((message) => partitioner({ topic: TOPIC, partitionMetadata: metadata, message }));
          const send: Send = { producer: id, partitions, ids: messages.map((m) => (JSON.parse(String(m.value)) as { id: number }).id) };
          sends.push(send);
          await new Promise((resolve) => setTimeout(resolve, 1));
          const err = behaviour.fail?.(send, sends.length);
          if (err) throw err;
          return [];
        },
      };
    },
  };
  return { client: client as unknown as KafkaClient, sends, disconnected, producerCount: () => producers };
}

const publisherOf = (client: KafkaClient) => new KafkaPublisher<{ id: number; pad?: string }>({ channelId: TOPIC, kafka: { client } });
const keyOf = (id: number) => `k${id % 10}`;
const settle = (calls: Promise<void>[]) => Promise.all(calls.map((c) => c.then(() => null, (e: unknown) => e)));

/** kafkajs errors as its producer throws them: the protocol or network error wrapped by the retrier. */
function protocolError(type: string, retriable: boolean): Error {
  const cause = Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
  return Object.assign(new Error(type), { name: 'KafkaJSNonRetriableError', retriable: false, cause });
}
function connectionLost(): Error {
  const cause = Object.assign(new Error('Connection error: read ECONNRESET'), { name: 'KafkaJSConnectionError', retriable: true });
  return Object.assign(new Error('retries exhausted'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause });
}

describe('KafkaPublisher batching (fake kafkajs)', () => {
  it('never puts two partitions in one request, places keys where kafkajs would, and keeps call order per key', async () => {
    const { client, sends } = fakeClient();
    const p = publisherOf(client);
    await settle(Array.from({ length: 300 }, (_, id) => p.publish({ id }, { key: keyOf(id) })));
    const reference = Partitioners.DefaultPartitioner();
    for (const s of sends) {
      expect(new Set(s.partitions).size).toBe(1);
      for (const id of s.ids) expect(s.partitions[0]).toBe(reference({ topic: TOPIC, partitionMetadata: metadata, message: { key: keyOf(id), value: '' } }));
    }
    const delivered = sends.flatMap((s) => s.ids);
    expect([...delivered].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (let k = 0; k < 10; k++) {
      const order = delivered.filter((id) => id % 10 === k);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Coalesced: far fewer requests than messages.
    expect(sends.length).toBeLessThan(30);
    await p.close();
  });

  it('bounds each request by the topic max.message.bytes', async () => {
    const { client, sends } = fakeClient({ maxMessageBytes: 2000 });
    const p = publisherOf(client);
    await p.connect();
    const pad = 'x'.repeat(600);
    const results = await settle(Array.from({ length: 20 }, (_, id) => p.publish({ id, pad }, { key: 'same' })));
    expect(results.every((r) => r === null)).toBe(true);
    // ~650 bytes each as a record: at most 2 fit under 2000 with the batch header.
    expect(Math.max(...sends.map((s) => s.ids.length))).toBeLessThanOrEqual(2);
    await p.close();
  });

  it('splits a batch the broker rejects as too large; only a message too large on its own gets MOTIFS_VALIDATION', async () => {
    const big = 7;
    // The broker takes at most 3 messages per batch, and never message 7.
    const { client, sends, producerCount } = fakeClient({
      fail: (s) => (s.ids.length > 3 || s.ids.includes(big) ? protocolError('MESSAGE_TOO_LARGE', false) : undefined),
    });
    const p = publisherOf(client);
    await p.connect();
    const results = await settle(Array.from({ length: 12 }, (_, id) => p.publish({ id }, { key: 'one-partition' })));
    const errors = results.map((r, id) => (r === null ? null : { id, r }));
    expect(errors.filter(Boolean).map((e) => e!.id)).toEqual([big]);
    const err = results[big] as { code: string; retryable: boolean };
    expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
    expect(err.retryable).toBe(false);
    // Everything else was written, in call order, by the same producer (nothing ambiguous happened).
    const written = sends.filter((s) => s.ids.length <= 3 && !s.ids.includes(big)).flatMap((s) => s.ids);
    expect(written).toEqual(Array.from({ length: 12 }, (_, i) => i).filter((i) => i !== big));
    expect(producerCount()).toBe(1);
    await p.close();
  });

  it('after a send whose outcome is unknown, later sends use a new producer (fresh producer id and sequences)', async () => {
    let failOnce = true;
    const { client, sends, disconnected, producerCount } = fakeClient({
      fail: () => {
        if (!failOnce) return undefined;
        failOnce = false;
        return connectionLost();
      },
    });
    const p = publisherOf(client);
    const first = await settle([p.publish({ id: 0 }, { key: 'a' })]);
    expect(isMotifsError(first[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    // The request went out and its answer was lost: it may be in the log, so it is not retryable.
    expect(first[0]).toMatchObject({ retryable: false, outcomeUnknown: true });
    const later = await settle([p.publish({ id: 1 }, { key: 'a' }), p.publish({ id: 2 }, { key: 'b' })]);
    expect(later).toEqual([null, null]);
    expect(producerCount()).toBe(2);
    expect(sends.at(-1)!.producer).toBe(1);
    // The retired producer was disconnected, not left holding sockets.
    expect(disconnected).toContain(0);
    await p.close();
    expect(disconnected.sort()).toEqual([0, 1]);
  });

  it('a broker rejection of the records themselves (nothing written) rejects that batch and keeps the producer', async () => {
    const { client, producerCount } = fakeClient({ fail: (_s, n) => (n === 1 ? protocolError('INVALID_RECORD', false) : undefined) });
    const p = publisherOf(client);
    const [first] = await settle([p.publish({ id: 0 }, { key: 'a' })]);
    expect(isMotifsError(first, 'MOTIFS_VALIDATION')).toBe(true);
    await p.publish({ id: 1 }, { key: 'a' });
    expect(producerCount()).toBe(1);
    await p.close();
  });

  it('close() waits for every partition queue, then disconnects', async () => {
    const { client, sends, disconnected } = fakeClient();
    const p = publisherOf(client);
    const calls = Array.from({ length: 50 }, (_, id) => p.publish({ id }, { key: keyOf(id) }));
    await Promise.all([p.close(), ...calls]);
    expect(sends.flatMap((s) => s.ids)).toHaveLength(50);
    expect(disconnected).toEqual([0]);
    await expect(p.publish({ id: 99 })).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE', retryable: false });
  });
});
