// Pins down the cause of issue 15 inside kafkajs 2.2.4, deterministically and without a broker:
// kafkajs's own sendMessages (the code behind producer.send) driven by a fake cluster whose
// partition 0 leader dies mid-send and is replaced by the broker that leads partition 1.
//
// sendMessages keeps one `responsePerBroker` map for all retries of a send, so that a retry only
// re-sends to brokers that have not answered yet. But a retry re-groups the messages by the
// *new* leaders: partition 0 now belongs to broker 2, broker 2 already answered (for partition 1)
// in the first attempt, so no request is made for partition 0 at all, and send() resolves. The
// messages of partition 0 were never written; every caller was told they were.
//
// If a kafkajs upgrade fixes this, the first test fails: then the publisher's per-partition
// sending (which the second test shows is immune) can be reconsidered.
import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kafkajsDir = require.resolve('kafkajs').replace(/index\.js$/, '');
type SendMessages = (args: { acks: number; topicMessages: { topic: string; messages: { key: string; value: string; partition: number }[] }[] }) => Promise<{ partition: number }[]>;
const createSendMessages = require(`${kafkajsDir}src/producer/sendMessages.js`) as (deps: unknown) => SendMessages;
const createRetry = require(`${kafkajsDir}src/retry/index.js`) as (options: unknown) => unknown;
const { KafkaJSConnectionError } = require(`${kafkajsDir}src/errors.js`) as { KafkaJSConnectionError: new (message: string, extra?: unknown) => Error };

interface ProduceCall {
  broker: number;
  partitions: number[];
  firstSequence: number[];
}

/**
 * Two brokers; partition p is led by broker p + 1. Broker 1 dies during the first produce (its
 * connection closes); the metadata refresh that follows moves partition 0 to broker 2.
 */
function fakeCluster() {
  const leaders: Record<number, number> = { 0: 1, 1: 2 };
  const calls: ProduceCall[] = [];
  const written: Record<number, number> = { 0: 0, 1: 0 };
  let broker1Alive = true;
  const brokers = new Map<number, { nodeId: number; produce(req: { topicData: { partitions: { partition: number; messages: unknown[]; firstSequence: number }[] }[] }): Promise<unknown> }>();
  for (const nodeId of [1, 2]) {
    brokers.set(nodeId, {
      nodeId,
      async produce({ topicData }) {
        const parts = topicData.flatMap((t) => t.partitions);
        calls.push({ broker: nodeId, partitions: parts.map((p) => p.partition), firstSequence: parts.map((p) => p.firstSequence) });
        if (nodeId === 1) {
          // The request reaches a broker that is killed -9 before it answers.
          await new Promise((resolve) => setTimeout(resolve, 5));
          broker1Alive = false;
          throw new KafkaJSConnectionError('Connection error: read ECONNRESET', { broker: 'localhost:1' });
        }
        for (const p of parts) written[p.partition]! += p.messages.length;
        return { topics: [{ topicName: 't', partitions: parts.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' })) }] };
      },
    });
  }
  const sequences: Record<number, number> = { 0: 0, 1: 0 };
  const cluster = {
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {
      if (!broker1Alive) leaders[0] = 2; // the controller elected broker 2 for partition 0
    },
    async addMultipleTargetTopics() {},
    isConnected: () => true,
    removeBroker() {},
    findTopicPartitionMetadata: () => [0, 1].map((partitionId) => ({ partitionId, leader: leaders[partitionId] })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders[p]!] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId)),
  };
  // The idempotent producer's sequence bookkeeping, as kafkajs's eosManager does it.
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    getSequence: (_t: string, p: number) => sequences[p]!,
    updateSequence: (_t: string, p: number, n: number) => {
      sequences[p]! += n;
    },
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
    getTransactionalId: () => undefined,
  };
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const sendMessages = createSendMessages({
    logger,
    cluster,
    eosManager,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    retrier: createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 5, factor: 0, multiplier: 1 }),
  });
  return { sendMessages, calls, written };
}

const messages = (partition: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${partition}-${i}`, value: `v${partition}-${i}`, partition }));

describe('kafkajs 2.2.4 sendMessages when a partition leader dies mid-send', () => {
  it('one send spanning two brokers: the retry skips partition 0 (its new leader already answered) and send() resolves with it unwritten', async () => {
    const { sendMessages, calls, written } = fakeCluster();
    const result = await sendMessages({ acks: -1, topicMessages: [{ topic: 't', messages: [...messages(0, 3), ...messages(1, 2)] }] });
    // Attempt 1: partition 0 to broker 1 (dies), partition 1 to broker 2 (written).
    // Attempt 2: partition 0 is now broker 2's, whose answer is kept from attempt 1: nothing is sent.
    expect(calls).toEqual([
      { broker: 1, partitions: [0], firstSequence: [0] },
      { broker: 2, partitions: [1], firstSequence: [0] },
    ]);
    expect(written).toEqual({ 0: 0, 1: 2 });
    expect(result.map((r) => r.partition)).toEqual([1]);
  });

  it('one send per partition: the retry goes to the new leader and everything is written', async () => {
    const { sendMessages, calls, written } = fakeCluster();
    await Promise.all([0, 1].map((p) => sendMessages({ acks: -1, topicMessages: [{ topic: 't', messages: messages(p, p === 0 ? 3 : 2) }] })));
    expect(written).toEqual({ 0: 3, 1: 2 });
    // The failed attempt gave its sequence numbers back, so the retry reuses them (the broker dedups it if it had been written).
    expect(calls.filter((c) => c.partitions.includes(0))).toEqual([
      { broker: 1, partitions: [0], firstSequence: [0] },
      { broker: 2, partitions: [0], firstSequence: [0] },
    ]);
  });
});
