import { type Codec, type IPublisher, type PublishOptions, closedError, encodeForPublish, resolveCommonOptions } from '@motifs/core';
import type { Message, Producer } from 'kafkajs';
import { toMotifsError } from './errors.js';
import { Partitioners } from './kafkajs.js';
import { type KafkaMotifOptions, readOptions } from './options.js';

interface Pending {
  message: Message;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Most messages sent in one produce request; more wait for the next one. */
const MAX_BATCH = 1000;

/**
 * Publishes typed messages to a Kafka topic with kafkajs's idempotent producer (acks from all
 * in-sync replicas, no duplicates from its own retries). Concurrent `publish()` calls are
 * coalesced: while one produce request is in flight the next ones queue and go out together, in
 * call order, so throughput does not cost ordering.
 */
export class KafkaPublisher<T = unknown> implements IPublisher<T> {
  readonly channelId: string;
  private readonly producer: Producer;
  private readonly codec: Codec;
  private connected: Promise<void> | undefined;
  private queue: Pending[] = [];
  private sending: Promise<void> | undefined;
  private closed = false;

  constructor(options: KafkaMotifOptions<T>) {
    const { channelId, kafka, client } = readOptions(options);
    this.channelId = channelId;
    this.codec = resolveCommonOptions(kafka, 'kafka').codec;
    const idempotent = kafka.idempotent ?? true;
    this.producer = client.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      ...kafka.producerConfig,
      idempotent,
      // Idempotence keeps order across retries only with one request in flight per broker.
      ...(idempotent ? { maxInFlightRequests: 1 } : {}),
    });
  }

  /** Connects now instead of on the first publish. */
  connect(): Promise<void> {
    if (!this.connected) {
      this.connected = this.producer.connect();
      this.connected.catch(() => {
        this.connected = undefined; // the next publish tries again
      });
    }
    return this.connected;
  }

  /**
   * Encodes and sends `msg`; resolves once the broker acknowledged it. Same `key`, same partition.
   * @throws MotifsErrorSerialization when the codec rejects `msg` (nothing is sent)
   * @throws MotifsErrorValidation for a bad key or headers, or a message the broker rejects as too large
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when the brokers cannot be reached
   */
  async publish(msg: T, options?: PublishOptions): Promise<void> {
    if (this.closed) throw closedError('publisher', this.channelId);
    const { value, key, headers } = encodeForPublish(this.codec, msg, options);
    const message: Message = { value, key: key ?? null, ...(headers ? { headers } : {}) };
    try {
      await this.connect();
    } catch (cause) {
      throw toMotifsError(cause, `connecting the publisher for ${this.channelId}`);
    }
    if (this.closed) throw closedError('publisher', this.channelId);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.sending) this.sending = this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.length > MAX_BATCH ? this.queue.splice(0, MAX_BATCH) : this.queue.splice(0);
      try {
        await this.producer.send({ topic: this.channelId, acks: -1, messages: batch.map((p) => p.message) });
        for (const p of batch) p.resolve();
      } catch (cause) {
        const err = toMotifsError(cause, `publishing to ${this.channelId}`);
        for (const p of batch) p.reject(err);
      }
    }
    this.sending = undefined;
  }

  /** Waits for queued messages to be sent, then disconnects. Later `publish()` calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sending;
    if (this.connected) await this.connected.then(() => this.producer.disconnect(), () => undefined);
  }
}
