import type { Admin, Kafka as KafkaClient, Message } from 'kafkajs';

/** Most messages sent in one produce request; more wait for the next one. */
export const MAX_BATCH = 1000;
/** The broker's default `message.max.bytes` (and so a topic's default `max.message.bytes`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Record batch header (v2), including the log overhead the broker counts. */
export const BATCH_OVERHEAD = 61;
/** Upper bound of a record's framing in a v2 batch: length, attributes, deltas, key/value lengths, header count (varints). */
const RECORD_OVERHEAD = 36;
/** How long a topic limit read from the broker is trusted before it is read again (after a failed read: 10 s). */
const LIMIT_TTL_MS = 5 * 60_000;
const LIMIT_RETRY_MS = 10_000;

const byteLength = (v: unknown): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v)));

/** An upper bound of what `message` adds to a record batch, as the broker measures it against `max.message.bytes`. */
export function recordBytes(message: Message): number {
  let n = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) n += 10 + Buffer.byteLength(name) + byteLength(v);
  }
  return n;
}

/**
 * A topic's `max.message.bytes`, read from the broker and re-read now and then (it can be altered
 * at runtime); the broker default until a read succeeds.
 */
export class TopicSizeLimit {
  /** The current bound of one produce request's record batch, in bytes. */
  bytes = DEFAULT_MAX_MESSAGE_BYTES;
  private nextRead = 0;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly topic: string,
  ) {}

  /** Re-reads the limit in the background when it is due. */
  refreshIfDue(): void {
    if (Date.now() > this.nextRead && !this.reading) void this.read();
  }

  /** Reads the topic's `max.message.bytes` (keeps the current bound when it cannot). */
  read(): Promise<void> {
    this.reading ??= (async () => {
      let admin: Admin | undefined;
      try {
        // One attempt: an unknown topic is retried by kafkajs for seconds, and the bound is only an optimisation.
        admin = this.client.admin({ retry: { retries: 0 } });
        await admin.connect();
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2 /* TOPIC */, name: this.topic, configNames: ['max.message.bytes'] }],
        });
        const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
        if (Number.isInteger(value) && value > 0) {
          this.bytes = value;
          this.nextRead = Date.now() + LIMIT_TTL_MS;
        } else {
          this.nextRead = Date.now() + LIMIT_RETRY_MS;
        }
      } catch {
        this.nextRead = Date.now() + LIMIT_RETRY_MS;
        // Topic not created yet, no DescribeConfigs permission, ...: keep the current bound. A batch
        // the broker still finds too large is split, so this is about speed, not correctness.
      } finally {
        await admin?.disconnect().catch(() => undefined);
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
