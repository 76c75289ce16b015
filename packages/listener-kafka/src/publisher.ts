import { type EncodedMessage, MotifsErrorValidation, PublisherBase, asOutcomeUnknown } from '@motifs/core/kit';
import type { ICustomPartitioner, Kafka as KafkaClient, Message, PartitionMetadata, Producer, ProducerConfig } from 'kafkajs';
import { BATCH_OVERHEAD, MAX_BATCH, TopicSizeLimit, recordBytes } from './batch-size.js';
import { kafkaErrorRow, protocolType, toMotifsError } from './errors.js';
import { Partitioners } from './kafkajs.js';
import { type KafkaMotifOptions, readOptions } from './options.js';

interface Pending {
  message: Message;
  /** Upper bound of the message's size in a record batch. */
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One kafkajs producer (one producer id and its sequence numbers) and the sends it has in flight. */
interface Generation {
  producer: Producer;
  ready: Promise<void>;
  inFlight: number;
  retired: boolean;
}

/**
 * Publishes typed messages to a Kafka topic with kafkajs's idempotent producer (acks from all
 * in-sync replicas, no duplicates from its own retries). Concurrent `publish()` calls are
 * coalesced **per partition**: each partition has its own queue and one produce request in flight
 * at a time, so throughput does not cost ordering (same key, same partition, call order) and a
 * request never spans partitions led by different brokers (kafkajs 2.2.4 loses messages of such
 * a request when a leader fails over mid-send: see the package README). Batches are bounded by the
 * topic's `max.message.bytes`.
 */
export class KafkaPublisher<T = unknown> extends PublisherBase<T> {
  private readonly client: KafkaClient;
  private readonly idempotent: boolean;
  private readonly producerConfig: ProducerConfig;
  /** Chooses partitions for messages without one, exactly as kafkajs would (the user's partitioner, or kafkajs's default). */
  private readonly partitioner: ReturnType<ICustomPartitioner>;
  private current: Generation | undefined;
  private readonly generations = new Set<Generation>();
  /** Partitions of the topic as kafkajs last saw them (undefined until the first send). */
  private partitionMetadata: PartitionMetadata[] | undefined;
  /** Messages in call order that no partition queue has taken yet (only before the partitions are known). */
  private incoming: Pending[] = [];
  private probing: Promise<void> | undefined;
  private readonly queues = new Map<number, { items: Pending[]; sending: Promise<void> | undefined }>();
  private connected: Promise<void> | undefined;
  private readonly limit: TopicSizeLimit;

  constructor(options: KafkaMotifOptions<T>) {
    const { channelId, kafka, client } = readOptions(options);
    super({ channelId, options: kafka, path: 'kafka' });
    this.client = client;
    this.limit = new TopicSizeLimit(client, channelId);
    this.idempotent = kafka.idempotent ?? true;
    this.producerConfig = kafka.producerConfig ?? {};
    this.partitioner = (this.producerConfig.createPartitioner ?? Partitioners.DefaultPartitioner)();
  }

  private newGeneration(): Generation {
    const producer = this.client.producer({
      ...this.producerConfig,
      // Partitions are chosen here (with the user's partitioner) before a message is queued; kafkajs
      // gets them explicitly and reports the metadata it sends with.
      createPartitioner: () => (args) => this.place(args),
      idempotent: this.idempotent,
      // Idempotence keeps order across retries only with one request in flight per broker.
      ...(this.idempotent ? { maxInFlightRequests: 1 } : {}),
    });
    const g: Generation = { producer, ready: producer.connect(), inFlight: 0, retired: false };
    this.generations.add(g);
    g.ready.catch(() => this.retire(g)); // the next publish connects a new one
    return g;
  }

  /** kafkajs's partitioner hook: records the partitions kafkajs knows, keeps our choice. */
  private place(args: { topic: string; partitionMetadata: PartitionMetadata[]; message: Message }): number {
    const { partitionMetadata, message } = args;
    // Routing follows kafkajs's freshest view (refreshed every metadataMaxAge and after errors).
    this.partitionMetadata = partitionMetadata;
    if (message.partition === undefined || message.partition === null) return this.partitioner(args);
    // kafkajs drops messages for a partition missing from its metadata without a word: fail the
    // request instead (retryable for the caller; later messages are routed on this metadata).
    if (!partitionMetadata.some((p) => p.partitionId === message.partition)) {
      throw Object.assign(new Error(`partition ${message.partition} of ${this.channelId} is not in the producer's metadata`), { name: 'KafkaJSMetadataNotLoaded', retriable: false });
    }
    return message.partition;
  }

  /**
   * Takes a producer out of service after a send that failed in a way that leaves its outcome
   * unknown: kafkajs gives a failed batch's sequence numbers back, and the next batch of that
   * partition would reuse them; had the failed one been written after all, the broker would take
   * the new batch for a retry of it and drop it while acknowledging it. A new producer id starts
   * fresh sequences. The old producer disconnects once its other sends are done.
   */
  private retire(g: Generation): void {
    g.retired = true;
    if (this.current === g) this.current = undefined;
    if (g.inFlight === 0) this.disconnect(g);
  }

  private disconnect(g: Generation): void {
    if (!this.generations.delete(g)) return;
    g.ready.then(() => g.producer.disconnect(), () => undefined).catch(() => undefined);
  }

  private generation(): Generation {
    this.current ??= this.newGeneration();
    return this.current;
  }

  /** Connects now instead of on the first publish (and reads the topic's message size limit). */
  connect(): Promise<void> {
    if (!this.connected) {
      const g = this.generation();
      this.connected = Promise.all([g.ready, this.limit.read()]).then(() => undefined);
      this.connected.catch(() => {
        this.connected = undefined; // the next publish tries again
      });
    }
    return this.connected;
  }

  /**
   * Sends one encoded message; resolves once the leader and the in-sync replicas have it
   * (acks=all). Same `key`, same partition, publish order.
   * @throws MotifsErrorValidation for a message that alone exceeds the topic's `max.message.bytes`
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when the brokers cannot be reached (retryable; the message may or may not have been written)
   */
  protected async sendEncoded({ value, key, headers }: EncodedMessage): Promise<void> {
    const message: Message = { value, key: key ?? null, ...(headers ? { headers } : {}) };
    try {
      await this.connect();
    } catch (cause) {
      throw toMotifsError(cause, `connecting the publisher for ${this.channelId}`);
    }
    // A publish() called before close() is still sent: close() waits on the same connection first.
    return new Promise<void>((resolve, reject) => {
      this.route({ message, bytes: recordBytes(message), resolve, reject });
    });
  }

  /** Puts a message on its partition's queue; before the partitions are known, a first message finds them out. */
  private route(p: Pending): void {
    const partitions = this.partitionMetadata;
    if (!partitions || this.incoming.length) {
      this.incoming.push(p);
      this.probing ??= this.probe();
      return;
    }
    p.message.partition = this.partitioner({ topic: this.channelId, partitionMetadata: partitions, message: p.message });
    let q = this.queues.get(p.message.partition);
    if (!q) this.queues.set(p.message.partition, (q = { items: [], sending: undefined }));
    q.items.push(p);
    q.sending ??= this.drain(q);
  }

  /**
   * Sends the first waiting message alone (a one-message request cannot span brokers), letting
   * kafkajs fetch the topic's metadata (and auto-create it where the broker allows); then routes
   * everything that waited, in call order.
   */
  private async probe(): Promise<void> {
    while (this.incoming.length) {
      if (!this.partitionMetadata) await this.send([this.incoming.shift()!]);
      if (this.partitionMetadata) {
        for (const p of this.incoming.splice(0)) this.route(p);
      }
    }
    this.probing = undefined;
  }

  private async drain(q: { items: Pending[]; sending: Promise<void> | undefined }): Promise<void> {
    while (q.items.length) {
      // Re-read the limit in the background now and then (it can be altered at runtime).
      this.limit.refreshIfDue();
      let bytes = BATCH_OVERHEAD;
      let n = 0;
      while (n < q.items.length && n < MAX_BATCH && (n === 0 || bytes + q.items[n]!.bytes <= this.limit.bytes)) bytes += q.items[n++]!.bytes;
      await this.send(q.items.splice(0, n));
    }
    q.sending = undefined;
  }

  /** One produce request for `batch` (one partition, or one message); settles every message in it. */
  private async send(batch: Pending[]): Promise<void> {
    const g = this.generation();
    let failure: unknown;
    let sent = false;
    g.inFlight++;
    try {
      await g.ready;
      sent = true;
      await g.producer.send({ topic: this.channelId, acks: -1, messages: batch.map((p) => p.message) });
    } catch (cause) {
      failure = cause;
    } finally {
      g.inFlight--;
      if (g.retired && g.inFlight === 0) this.disconnect(g);
    }
    if (failure === undefined) {
      for (const p of batch) p.resolve();
      return;
    }
    const type = protocolType(failure);
    const row = kafkaErrorRow(type);
    if (row?.batch === 'too-large') {
      // Rejected whole before anything was written: the limit changed or our estimate was short.
      await this.limit.read();
      if (batch.length > 1) {
        const half = batch.length >> 1;
        await this.send(batch.slice(0, half));
        await this.send(batch.slice(half));
        return;
      }
      const bytes = batch[0]!.bytes;
      const maxMessageBytes = this.limit.bytes;
      const err = new MotifsErrorValidation(`publishing to ${this.channelId}: the message (about ${bytes} bytes as a record) is larger than the topic accepts (max.message.bytes ${maxMessageBytes})`, {
        cause: failure,
        details: { kafkaType: type, bytes, maxMessageBytes },
        issues: [{ path: ['msg'], message: `larger than max.message.bytes (${maxMessageBytes})` }],
      });
      batch[0]!.reject(err);
      return;
    }
    if (this.idempotent && row?.batch !== 'invalid') this.retire(g);
    let err = toMotifsError(failure, `publishing to ${this.channelId}`);
    // A request that went out and failed without the broker rejecting its records may have been
    // written: publishing again could store a second copy, so it is not retryable (see the README).
    if (sent && !row?.notWritten) {
      err = asOutcomeUnknown(err, { retryable: false, details: { outcome: 'a request was sent; the messages may be in the log' } });
    }
    for (const p of batch) p.reject(err);
  }

  /** Waits for queued messages to be sent, then disconnects. Later `publish()` calls reject. */
  protected async closeTransport(): Promise<void> {
    // Lets every publish() that was waiting for the connection queue its message first.
    await this.connected?.catch(() => undefined);
    await this.probing;
    for (let busy = [...this.queues.values()].filter((q) => q.sending); busy.length; busy = [...this.queues.values()].filter((q) => q.sending)) {
      await Promise.all(busy.map((q) => q.sending));
    }
    this.current = undefined;
    await Promise.all(
      [...this.generations].map(async (g) => {
        this.generations.delete(g);
        await g.ready.then(() => g.producer.disconnect(), () => undefined).catch(() => undefined);
      }),
    );
  }
}
