import type { DeadLetter } from '@motifs/core/kit';
import type { Kafka as KafkaClient, Producer } from 'kafkajs';
import { toMotifsError } from './errors.js';
import { Partitioners } from './kafkajs.js';

/**
 * The producer a listener writes dead letters with: built on first use (most listeners never
 * need it), idempotent, and replaced after a failed send.
 */
export class DeadLetterProducer {
  private producer: Producer | undefined;
  private ready: Promise<Producer> | undefined;

  /** `refuse` returns an error when no new producer may be opened (the listener closed). */
  constructor(
    private readonly client: KafkaClient,
    private readonly refuse: () => Error | undefined,
  ) {}

  /** Writes `letter` with acks from all in-sync replicas. */
  async send(letter: DeadLetter): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.send({
        topic: letter.channelId,
        acks: -1,
        messages: [{ value: letter.value, key: letter.key ?? null, headers: letter.headers }],
      });
    } catch (cause) {
      // The failed request may have been written. kafkajs would reuse its sequence number for the
      // next dead letter to that partition, which the broker would then take for a duplicate and
      // drop while acknowledging it: later dead letters go through a new producer (new producer id).
      this.retire(producer);
      throw toMotifsError(cause, `writing to dead-letter topic ${letter.channelId}`);
    }
  }

  /**
   * Forgets the current producer at once (a later send builds a new one, unless refused) and
   * returns a function that disconnects it.
   */
  detach(): () => Promise<void> {
    const producer = this.producer;
    const ready = this.ready;
    this.producer = undefined;
    this.ready = undefined;
    return async () => {
      await ready?.then(() => producer?.disconnect());
    };
  }

  /** Stops using `producer`; it is disconnected in the background. */
  private retire(producer: Producer): void {
    if (this.producer !== producer) return; // already replaced (or closed)
    this.producer = undefined;
    this.ready = undefined;
    void producer.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Producer> {
    // A handler that outlived close() must not open a producer nobody will disconnect; its message
    // stays uncommitted and is redelivered instead.
    const refused = this.refuse();
    if (refused) return Promise.reject(refused);
    if (!this.ready) {
      const producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      this.producer = producer;
      this.ready = producer.connect().then(() => producer);
      this.ready.catch(() => {
        this.ready = undefined;
        this.producer = undefined;
      });
    }
    return this.ready;
  }
}
