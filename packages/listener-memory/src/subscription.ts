import { type DispatchOutcome, type RawMessage, sleep } from '@motifs/core/kit';
import type { GroupMember, MemoryChannel, MemoryGroup } from './hub.js';

/** What a {@link ChannelSubscription} needs from its listener. */
export interface SubscriptionHost {
  readonly groupId: string;
  readonly closeTimeoutMs: number;
  /** Whether `close()` has started. */
  isClosed(): boolean;
  deliver(raw: RawMessage, signal: AbortSignal): Promise<DispatchOutcome>;
  /** Pause before a message that must be redelivered is tried again, in ms. */
  redeliveryPauseMs(): number;
  abandon(channelId: string, partition: number, offset: string): Promise<void>;
  rebalanced(channelId: string, partitions: number[]): void;
  /** Retention dropped offsets `from` .. `to` - 1 before the group read them. */
  skipped(channelId: string, partition: number, from: number, to: number): void;
}

interface PartitionLoop {
  partition: number;
  abort: AbortController;
  /** Set once the partition was handed on without waiting for this loop: it must not commit. */
  detached: boolean;
  /** Offset of the message whose handlers are running, if any (reported when it is abandoned). */
  current: number | undefined;
  /** {@link ChannelSubscription.bounded} of this loop, made once (so an abandoned message is reported once). */
  stopped?: Promise<void>;
  /** The timer that gives up on the loop, once it was told to stop. */
  timer?: ReturnType<typeof setTimeout>;
  done: Promise<void>;
}

/**
 * One listener's membership of one channel's consumer group: a loop per partition it owns, each
 * delivering in order and committing after the handlers resolved. A listener has one; a pattern
 * listener one per matched channel.
 */
export class ChannelSubscription {
  private readonly loops = new Map<number, PartitionLoop>();
  private readonly member: GroupMember = { assign: (partitions) => this.assign(partitions) };
  private group: MemoryGroup | undefined;

  constructor(
    private readonly host: SubscriptionHost,
    readonly channel: MemoryChannel,
  ) {}

  /** Joins the group (created where `fromBeginning` says when new); delivery starts on the partitions it is given. */
  start(fromBeginning: boolean): void {
    this.group = this.channel.group(this.host.groupId, fromBeginning);
    this.group.join(this.member);
  }

  /** Stops delivering, leaves the group, and waits (up to `closeTimeoutMs`) for in-flight handlers. */
  async stop(): Promise<void> {
    const loops = [...this.loops.values()];
    for (const loop of loops) loop.abort.abort();
    this.group?.leave(this.member);
    await Promise.all(loops.map((loop) => this.bounded(loop)));
  }

  private assign(partitions: number[]): void {
    const group = this.group!;
    const keep = new Set(this.host.isClosed() ? [] : partitions);
    for (const [p, loop] of this.loops) {
      if (!keep.has(p)) {
        loop.abort.abort();
        this.loops.delete(p);
      }
    }
    for (const p of keep) {
      if (this.loops.has(p)) continue;
      const previous = group.released[p]!;
      const abort = new AbortController();
      const loop: PartitionLoop = { partition: p, abort, detached: false, current: undefined, done: Promise.resolve() };
      loop.done = previous.then(() => (abort.signal.aborted ? undefined : this.consume(group, loop)));
      group.released[p] = this.bounded(loop);
      this.loops.set(p, loop);
    }
    this.host.rebalanced(this.channel.channelId, [...keep]);
  }

  /**
   * Resolves when the loop ended, or `closeTimeoutMs` after it was told to stop: a stuck handler
   * must not block the partition for the rest of the group. Its message is then abandoned:
   * reported, never committed by this loop, and redelivered to the partition's next owner.
   */
  private bounded(loop: PartitionLoop): Promise<void> {
    const closed = this.host.isClosed();
    loop.stopped ??= new Promise((resolve) => {
      const finish = () => {
        if (loop.timer) clearTimeout(loop.timer);
        resolve();
      };
      loop.done.then(finish, finish);
      const onAbort = () => {
        loop.timer = setTimeout(() => {
          loop.detached = true;
          const offset = loop.current;
          if (offset !== undefined) {
            // Not awaited: a slow onError handler must not hold up close() or the partition's next owner.
            void this.host.abandon(this.channel.channelId, loop.partition, String(offset));
          }
          resolve();
        }, this.host.closeTimeoutMs);
        // A hand-over during a rebalance must not keep a process alive on its own (close() refs it).
        if (!this.host.isClosed()) loop.timer.unref?.();
      };
      if (loop.abort.signal.aborted) onAbort();
      else loop.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
    // While close() waits, this timer is what it waits for: it must keep the process alive, or a
    // process with nothing else to do exits before close() resolves.
    if (closed) loop.timer?.ref?.();
    return loop.stopped;
  }

  private async consume(group: MemoryGroup, loop: PartitionLoop): Promise<void> {
    const { partition } = loop;
    const { signal } = loop.abort;
    const { channelId } = this.channel;
    const log = this.channel.partitionLogs[partition]!;
    while (!signal.aborted) {
      const position = group.committed[partition]!;
      const start = log.startOffset;
      if (position < start) {
        // Retention dropped what this group had not read yet: resume at the oldest retained, and say so.
        group.committed[partition] = start;
        this.host.skipped(channelId, partition, position, start);
        continue;
      }
      const record = log.at(position);
      if (!record) {
        await this.channel.waitForAppend(partition, signal);
        continue;
      }
      loop.current = position;
      const outcome = await this.host.deliver(
        { channelId, value: record.value, key: record.key, headers: record.headers, partition, offset: String(position), timestamp: record.timestamp },
        signal,
      );
      loop.current = undefined;
      // Abandoned by close() or a rebalance: the message belongs to the partition's next owner now.
      if (loop.detached) return;
      if (outcome === 'redeliver') {
        // Same message again after a pause, never the next one: order and at-least-once both hold.
        await sleep(this.host.redeliveryPauseMs(), signal).catch(() => undefined);
        continue;
      }
      // Never move a position back: retention may have moved it past this message meanwhile.
      if (group.committed[partition]! <= position) group.committed[partition] = position + 1;
    }
  }
}
