import { type Codec, type IPublisher, type PublishOptions, MotifsErrorValidation, asOutcomeUnknown, closedError, encodeForPublish, resolveCommonOptions } from '@motifs/core/kit';
import type { Admin, ICustomPartitioner, Kafka as KafkaClient, Message, PartitionMetadata, Producer, ProducerConfig } from 'kafkajs';
import { toMotifsError } from './errors.js';
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

/** Most messages sent in one produce request; more wait for the next one. */
const MAX_BATCH = 1000;
/** The broker's default `message.max.bytes` (and so a topic's default `max.message.bytes`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Record batch header (v2), including the log overhead the broker counts. */
const BATCH_OVERHEAD = 61;
/** Upper bound of a record's framing in a v2 batch: length, attributes, deltas, key/value lengths, header count (varints). */
const RECORD_OVERHEAD = 36;
/** How long a topic limit read from the broker is trusted before it is read again (after a failed read: 10 s). */
const LIMIT_TTL_MS = 5 * 60_000;
const LIMIT_RETRY_MS = 10_000;
/** Broker answers that reject a batch before anything is written: the batch may be split and sent again. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
/** Other rejections of the batch's records themselves: nothing was written, the producer's sequences are intact. */
const INVALID_BATCH = new Set(['INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);
/** Broker answers that say the request's records were not written at all. */
const NOT_WRITTEN = new Set([
  ...TOO_LARGE,
  ...INVALID_BATCH,
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REQUIRED_ACKS',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'NOT_ENOUGH_REPLICAS',
]);

const byteLength = (v: unknown): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v)));

/** An upper bound of what `message` adds to a record batch, as the broker measures it against `max.message.bytes`. */
function recordBytes(message: Message): number {
  let n = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) n += 10 + Buffer.byteLength(name) + byteLength(v);
  }
  return n;
}

/** The innermost error of a kafkajs error chain and its protocol type, if any. */
function protocolType(err: unknown): string | undefined {
  let e = err as { type?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 10 && e; i++) {
    if (typeof e.type === 'string') return e.type;
    e = e.cause as typeof e;
  }
  return undefined;
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
export class KafkaPublisher<T = unknown> implements IPublisher<T> {
  readonly channelId: string;
  private readonly client: KafkaClient;
  private readonly codec: Codec;
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
  private maxBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private maxBytesNextRead = 0;
  private maxBytesReading: Promise<void> | undefined;
  private closed = false;

  constructor(options: KafkaMotifOptions<T>) {
    const { channelId, kafka, client } = readOptions(options);
    this.channelId = channelId;
    this.client = client;
    this.codec = resolveCommonOptions(kafka, 'kafka').codec;
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
      this.connected = Promise.all([g.ready, this.readMaxBytes()]).then(() => undefined);
      this.connected.catch(() => {
        this.connected = undefined; // the next publish tries again
      });
    }
    return this.connected;
  }

  /** Reads the topic's `max.message.bytes` (falls back to the broker default when it cannot). */
  private readMaxBytes(): Promise<void> {
    this.maxBytesReading ??= (async () => {
      let admin: Admin | undefined;
      try {
        // One attempt: an unknown topic is retried by kafkajs for seconds, and the bound is only an optimisation.
        admin = this.client.admin({ retry: { retries: 0 } });
        await admin.connect();
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2 /* TOPIC */, name: this.channelId, configNames: ['max.message.bytes'] }],
        });
        const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
        if (Number.isInteger(value) && value > 0) {
          this.maxBytes = value;
          this.maxBytesNextRead = Date.now() + LIMIT_TTL_MS;
        } else {
          this.maxBytesNextRead = Date.now() + LIMIT_RETRY_MS;
        }
      } catch {
        this.maxBytesNextRead = Date.now() + LIMIT_RETRY_MS;
        // Topic not created yet, no DescribeConfigs permission, ...: keep the current bound. A batch
        // the broker still finds too large is split, so this is about speed, not correctness.
      } finally {
        await admin?.disconnect().catch(() => undefined);
        this.maxBytesReading = undefined;
      }
    })();
    return this.maxBytesReading;
  }

  /**
   * Encodes and sends `msg`; resolves once the leader and the in-sync replicas have it (acks=all).
   * Same `key`, same partition, publish order.
   * @throws MotifsErrorSerialization when the codec rejects `msg` (nothing is sent)
   * @throws MotifsErrorValidation for a bad key or headers, or a message that alone exceeds the topic's `max.message.bytes`
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when the brokers cannot be reached (retryable; the message may or may not have been written)
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
      if (Date.now() > this.maxBytesNextRead && !this.maxBytesReading) void this.readMaxBytes();
      let bytes = BATCH_OVERHEAD;
      let n = 0;
      while (n < q.items.length && n < MAX_BATCH && (n === 0 || bytes + q.items[n]!.bytes <= this.maxBytes)) bytes += q.items[n++]!.bytes;
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
    if (type && TOO_LARGE.has(type)) {
      // Rejected whole before anything was written: the limit changed or our estimate was short.
      await this.readMaxBytes();
      if (batch.length > 1) {
        const half = batch.length >> 1;
        await this.send(batch.slice(0, half));
        await this.send(batch.slice(half));
        return;
      }
      const bytes = batch[0]!.bytes;
      const err = new MotifsErrorValidation(`publishing to ${this.channelId}: the message (about ${bytes} bytes as a record) is larger than the topic accepts (max.message.bytes ${this.maxBytes})`, {
        cause: failure,
        details: { kafkaType: type, bytes, maxMessageBytes: this.maxBytes },
        issues: [{ path: ['msg'], message: `larger than max.message.bytes (${this.maxBytes})` }],
      });
      batch[0]!.reject(err);
      return;
    }
    if (this.idempotent && !(type && INVALID_BATCH.has(type))) this.retire(g);
    let err = toMotifsError(failure, `publishing to ${this.channelId}`);
    // A request that went out and failed without the broker rejecting its records may have been
    // written: publishing again could store a second copy, so it is not retryable (see the README).
    if (sent && !(type && NOT_WRITTEN.has(type))) {
      err = asOutcomeUnknown(err, { retryable: false, details: { outcome: 'a request was sent; the messages may be in the log' } });
    }
    for (const p of batch) p.reject(err);
  }

  /** Waits for queued messages to be sent, then disconnects. Later `publish()` calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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
