import { type EncodedMessage, PublisherBase } from '@motifs/core/kit';
import type { MemoryChannel } from './hub.js';
import { type MemoryMotifOptions, readOptions } from './options.js';

/** Publishes to an in-memory channel; a listener on the same hub receives the messages. */
export class MemoryPublisher<T = unknown> extends PublisherBase<T> {
  private readonly channel: MemoryChannel;

  constructor(options: MemoryMotifOptions<T>) {
    const { channelId, memory, hub } = readOptions(options);
    super({ channelId, options: memory, path: 'memory' });
    this.channel = hub.channel(channelId, memory.partitions, memory.retention);
  }

  /** Appends the message: same key, same partition, so per-key order holds. */
  protected async sendEncoded(message: EncodedMessage): Promise<void> {
    this.channel.append(message);
  }

  /** Nothing to release: an append is synchronous. */
  protected async closeTransport(): Promise<void> {}
}
