import { type Codec, type IPublisher, type PublishOptions, closedError, encodeForPublish, resolveCommonOptions } from '@motifs/core/kit';
import type { MemoryChannel } from './hub.js';
import { type MemoryMotifOptions, readOptions } from './options.js';

/** Publishes to an in-memory channel; a listener on the same hub receives the messages. */
export class MemoryPublisher<T = unknown> implements IPublisher<T> {
  readonly channelId: string;
  private readonly channel: MemoryChannel;
  private readonly codec: Codec;
  private closed = false;

  constructor(options: MemoryMotifOptions<T>) {
    const { channelId, memory, hub } = readOptions(options);
    this.channelId = channelId;
    this.channel = hub.channel(channelId, memory.partitions);
    this.codec = resolveCommonOptions(memory, 'memory').codec;
  }

  /**
   * Encodes and appends `msg`. Same `key`, same partition, so per-key order holds.
   * @throws MotifsErrorSerialization when the codec rejects `msg` (nothing is written)
   * @throws MotifsErrorValidation for a bad key or headers
   */
  async publish(msg: T, options?: PublishOptions): Promise<void> {
    if (this.closed) throw closedError('publisher', this.channelId);
    const encoded = encodeForPublish(this.codec, msg, options);
    this.channel.append(encoded);
  }

  /** Stops accepting messages. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
