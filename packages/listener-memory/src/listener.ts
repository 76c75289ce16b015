import { type DeadLetter, ListenerBase, backoffMs, emitSafe, sleep } from '@motifs/core/kit';
import type { GroupMember, MemoryChannel, MemoryChannelHub, MemoryGroup } from './hub.js';
import { type MemoryMotifOptions, readOptions } from './options.js';

interface PartitionLoop {
  partition: number;
  abort: AbortController;
  /** Set once the partition was handed on without waiting for this loop: it must not commit. */
  detached: boolean;
  /** Offset of the message whose handlers are running, if any (reported when it is abandoned). */
  current: number | undefined;
  /** {@link MemoryListener.bounded} of this loop, made once (so an abandoned message is reported once). */
  stopped?: Promise<void>;
  /** The timer that gives up on the loop, once it was told to stop. */
  timer?: ReturnType<typeof setTimeout>;
  done: Promise<void>;
}

/**
 * Listens to an in-memory channel with Kafka's delivery rules: a consumer group splits the
 * partitions, order holds within a partition, a message is committed only after its handlers
 * resolved, failing handlers are retried and then dead-lettered.
 */
export class MemoryListener<T = unknown> extends ListenerBase<T> {
  private readonly hub: MemoryChannelHub;
  private readonly channel: MemoryChannel;
  private readonly loops = new Map<number, PartitionLoop>();
  private readonly member: GroupMember = { assign: (partitions) => this.assign(partitions) };
  private group: MemoryGroup | undefined;

  constructor(options: MemoryMotifOptions<T>) {
    const { channelId, memory, hub, deadLetterChannelId } = readOptions(options);
    super({ channelId, options: memory, path: 'memory', deadLetterChannelId });
    this.hub = hub;
    this.channel = hub.channel(channelId, memory.partitions);
  }

  /** Joins the consumer group; delivery starts on the partitions it is given. */
  protected async startTransport(): Promise<void> {
    this.group = this.channel.group(this.groupId, this.fromBeginning);
    this.group.join(this.member);
  }

  /**
   * Stops delivering, waits (up to `closeTimeoutMs`) for in-flight handlers, and leaves the group.
   * Resolves at most `closeTimeoutMs` after `close()` was called, and leaves no timer behind.
   */
  protected async stopTransport(): Promise<void> {
    const loops = [...this.loops.values()];
    for (const loop of loops) loop.abort.abort();
    this.group?.leave(this.member);
    await Promise.all(loops.map((loop) => this.bounded(loop)));
  }

  protected async sendDeadLetter(letter: DeadLetter): Promise<void> {
    const value = letter.value === null ? 'null' : letter.value.toString();
    const key = letter.key === null || letter.key === undefined ? undefined : letter.key.toString();
    this.hub.channel(letter.channelId).append({ value, key, headers: letter.headers });
  }

  private assign(partitions: number[]): void {
    const group = this.group!;
    const keep = new Set(this.closed ? [] : partitions);
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
    emitSafe(this.em, 'rebalance', { channelId: this.channelId, groupId: this.groupId, partitions: [...keep] });
  }

  /**
   * Resolves when the loop ended, or `closeTimeoutMs` after it was told to stop: a stuck handler
   * must not block the partition for the rest of the group. Its message is then abandoned:
   * reported, never committed by this loop, and redelivered to the partition's next owner.
   */
  private bounded(loop: PartitionLoop): Promise<void> {
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
            void this.abandon(loop.partition, String(offset));
          }
          resolve();
        }, this.closeTimeoutMs);
        // A hand-over during a rebalance must not keep a process alive on its own (close() refs it).
        if (!this.closed) loop.timer.unref?.();
      };
      if (loop.abort.signal.aborted) onAbort();
      else loop.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
    // While close() waits, this timer is what it waits for: it must keep the process alive, or a
    // process with nothing else to do exits before close() resolves.
    if (this.closed) loop.timer?.ref?.();
    return loop.stopped;
  }

  private async consume(group: MemoryGroup, loop: PartitionLoop): Promise<void> {
    const { partition } = loop;
    const { signal } = loop.abort;
    const log = this.channel.partitionLogs[partition]!;
    while (!signal.aborted) {
      const position = group.committed[partition]!;
      const record = log[position];
      if (!record) {
        await this.channel.waitForAppend(partition, signal);
        continue;
      }
      loop.current = position;
      const outcome = await this.deliver(
        { value: record.value, key: record.key, headers: record.headers, partition, offset: String(position), timestamp: record.timestamp },
        signal,
      );
      loop.current = undefined;
      // Abandoned by close() or a rebalance: the message belongs to the partition's next owner now.
      if (loop.detached) return;
      if (outcome === 'redeliver') {
        // Same message again after a pause, never the next one: order and at-least-once both hold.
        await sleep(backoffMs(this.retry, this.retry.attempts), signal).catch(() => undefined);
        continue;
      }
      group.committed[partition] = position + 1;
    }
  }
}
