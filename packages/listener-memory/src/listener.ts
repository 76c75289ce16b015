import { type DeadLetter, ListenerBase, backoffMs, emitSafe, stringOf } from '@motifs/core/kit';
import type { MemoryChannel, MemoryChannelHub } from './hub.js';
import { type MemoryMotifOptions, readOptions } from './options.js';
import { ChannelSubscription, type SubscriptionHost } from './subscription.js';

/**
 * Listens to an in-memory channel with Kafka's delivery rules: a consumer group splits the
 * partitions, order holds within a partition, a message is committed only after its handlers
 * resolved, failing handlers are retried and then dead-lettered.
 *
 * A pattern `channelId` (`orders.*`) listens on every channel of the hub it matches, those that
 * exist at `listen()` and those created later (from their first message); see the README.
 */
export class MemoryListener<T = unknown> extends ListenerBase<T> {
  private readonly hub: MemoryChannelHub;
  /** The channel, or undefined for a pattern listener. */
  private readonly channel: MemoryChannel | undefined;
  private readonly pattern: ((channelId: string) => boolean) | undefined;
  private readonly subscriptions = new Map<string, ChannelSubscription>();
  private unwatch: (() => void) | undefined;
  private readonly host: SubscriptionHost;

  constructor(options: MemoryMotifOptions<T>) {
    const { channelId, memory, hub, deadLetterChannelId, pattern } = readOptions(options);
    const fixedDeadLetter = memory.deadLetterChannel;
    super({
      channelId,
      options: memory,
      path: 'memory',
      deadLetterChannelId,
      ...(pattern && fixedDeadLetter !== undefined ? { deadLetterChannelFor: () => fixedDeadLetter } : {}),
    });
    this.hub = hub;
    this.pattern = pattern;
    this.channel = pattern ? undefined : hub.channel(channelId, memory.partitions, memory.retention);
    const { groupId } = this;
    this.host = {
      groupId,
      closeTimeoutMs: this.closeTimeoutMs,
      isClosed: () => this.closed,
      deliver: (raw, signal) => this.deliver(raw, signal),
      redeliveryPauseMs: () => backoffMs(this.retry, this.retry.attempts),
      abandon: (channel, partition, offset) => this.abandon(partition, offset, channel === this.channelId ? undefined : channel),
      rebalanced: (channel, partitions) => emitSafe(this.em, 'rebalance', { channelId: channel, groupId, partitions }),
      skipped: (channel, partition, from, to) => {
        const count = to - from;
        emitSafe(this.em, 'skipped', { channelId: channel, groupId, partition, from: String(from), to: String(to), count });
        this.logger.warn(`listener of "${channel}" (group ${groupId}): retention dropped ${count} message(s) of partition ${partition} before they were read; resumed at offset ${to}`, {
          channelId: channel,
          groupId,
          partition,
          from,
          to,
          count,
        });
      },
    };
  }

  /** Channels this listener reads (one, or every channel a pattern matched so far). */
  get channelIds(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** Joins the consumer group (of each matched channel); delivery starts on the partitions it is given. */
  protected async startTransport(): Promise<void> {
    if (this.channel) {
      this.subscribe(this.channel, this.fromBeginning);
      return;
    }
    const matches = this.pattern!;
    // A channel created after listen() is read from its first message: it is new, so nothing is older.
    this.unwatch = this.hub.watch((channel) => {
      if (!this.closed && matches(channel.channelId)) this.added([this.subscribe(channel, true)]);
    });
    const existing = this.hub.channelIds().filter(matches);
    this.added(existing.map((id) => this.subscribe(this.hub.channel(id), this.fromBeginning)));
  }

  /**
   * Stops delivering, waits (up to `closeTimeoutMs`) for in-flight handlers, and leaves the group(s).
   * Resolves at most `closeTimeoutMs` after `close()` was called, and leaves no timer behind.
   */
  protected async stopTransport(): Promise<void> {
    this.unwatch?.();
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
  }

  protected async sendDeadLetter(letter: DeadLetter): Promise<void> {
    const value = stringOf(letter.value) ?? 'null';
    const key = stringOf(letter.key);
    this.hub.channel(letter.channelId).append({ value, key, headers: letter.headers });
  }

  private subscribe(channel: MemoryChannel, fromBeginning: boolean): string {
    const subscription = new ChannelSubscription(this.host, channel);
    this.subscriptions.set(channel.channelId, subscription);
    subscription.start(fromBeginning);
    return channel.channelId;
  }

  private added(added: string[]): void {
    if (added.length === 0) return;
    emitSafe(this.em, 'channels', { channelId: this.channelId, groupId: this.groupId, added, channels: this.channelIds });
  }
}
