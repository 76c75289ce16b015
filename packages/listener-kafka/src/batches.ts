import { type DispatchOutcome, type RawMessage, sleep } from '@motifs/core/kit';
import type { EachBatchPayload } from 'kafkajs';

/** One batch kafkajs handed us, while its handlers run. */
export interface InFlightBatch {
  topic: string;
  partition: number;
  /** Offset of the message whose handlers are running, if any. */
  offset: string | undefined;
  settled: Promise<void>;
  /** Tells kafkajs the offsets this batch finished and has not resolved yet (see {@link PartitionBatches.giveUp}). */
  resolveFinished?: () => void;
}

/** The key of a topic's partition in {@link PartitionBatches.processed}. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}@${topic}`;
}

/** What a {@link PartitionBatches} needs from its listener. */
export interface PartitionBatchesOptions {
  /** Aborts when the listener closes. */
  signal: AbortSignal;
  /** Hands one message to the handlers. */
  deliver(raw: RawMessage, signal: AbortSignal): Promise<DispatchOutcome>;
  /** How long to wait before a message that must be redelivered is fetched again, in ms. */
  redeliveryPauseMs(): number;
}

/**
 * Runs the batches kafkajs fetches, one partition's batch message by message, and keeps what
 * close() needs: the batches in flight, the last processed offset per partition, and the means
 * to give up on handlers that do not settle.
 */
export class PartitionBatches {
  /** Batches whose handlers are running. */
  readonly inFlight = new Set<InFlightBatch>();
  /**
   * Last processed offset per partition this member owns (the commit is this + 1), keyed by
   * {@link partitionKey}: a pattern listener reads several topics.
   */
  readonly processed = new Map<string, { topic: string; partition: number; offset: string }>();
  /** The latest batch's heartbeat (every batch's calls the same group heartbeat). */
  heartbeat: (() => Promise<void>) | undefined;
  /** Commits the offsets resolved so far when `commitIntervalMs` has passed since the last commit. */
  commitIfDue: (() => Promise<void>) | undefined;
  /** Commits the offsets resolved so far now (before a rebalance hands partitions to another member). */
  commitNow: (() => Promise<void>) | undefined;
  /** Set when close() stopped waiting for in-flight handlers: from then on they touch nothing. */
  private gaveUp = false;
  /** Resolves when close() gives up, releasing kafkajs from waiting on batches that will never end. */
  private readonly givenUp: Promise<void>;
  private releaseKafkajs!: () => void;

  constructor(private readonly options: PartitionBatchesOptions) {
    this.givenUp = new Promise<void>((resolve) => {
      this.releaseKafkajs = resolve;
    });
  }

  /** Resolves once every batch in flight now has settled. */
  drained(): Promise<'drained'> {
    return Promise.allSettled([...this.inFlight].map((b) => b.settled)).then(() => 'drained' as const);
  }

  /**
   * Gives up on the handlers still running: nothing they finish is committed, kafkajs may stop.
   * Returns the messages they were on, to be reported as abandoned.
   */
  giveUp(): { topic: string; partition: number; offset: string }[] {
    // What finished before the stuck handlers is resolved in kafkajs now, as if resolved per message.
    for (const b of this.inFlight) b.resolveFinished?.();
    this.gaveUp = true;
    const stuck = [...this.inFlight].filter((b) => b.offset !== undefined).map((b) => ({ topic: b.topic, partition: b.partition, offset: b.offset! }));
    this.releaseKafkajs();
    return stuck;
  }

  /** kafkajs's `eachBatch`. */
  run(payload: EachBatchPayload): Promise<void> {
    // Tracked before the first handler runs: a handler may call close() synchronously.
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const entry: InFlightBatch = { topic: payload.batch.topic, partition: payload.batch.partition, offset: undefined, settled };
    this.inFlight.add(entry);
    const run = this.handle(payload, entry).finally(() => {
      this.inFlight.delete(entry);
      settle();
    });
    // kafkajs's stop() waits for the batch promise, so a handler that never settles would hang
    // disconnect() forever (and keep the sockets open). Once close() gives up, kafkajs is told the
    // batch is over; the hung handler's message was never resolved, so it is not committed.
    return Promise.race([run, this.givenUp]);
  }

  /**
   * One partition's batch, message by message. A message that must be redelivered ends the batch
   * unresolved: kafkajs fetches from the first unresolved offset next, so nothing after it is
   * acknowledged before it is.
   *
   * kafkajs is told the offset finished (`resolveOffset`, what its commits carry) once per batch
   * and before each commit within it, not per message: each call parses offsets into Longs, a
   * cost per message a loop need not pay. Only offsets whose handlers all resolved are ever
   * resolved, so at-least-once holds; {@link processed} (what close() commits) is per message.
   */
  private async handle(
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }: EachBatchPayload,
    entry: InFlightBatch,
  ): Promise<void> {
    const { partition, topic } = batch;
    const key = partitionKey(topic, partition);
    const { signal, deliver } = this.options;
    const { processed } = this;
    this.heartbeat = heartbeat;
    this.commitIfDue = () => commitOffsetsIfNecessary();
    // Without arguments kafkajs commits only when due; with offsets, at once.
    this.commitNow = uncommittedOffsets ? () => commitOffsetsIfNecessary(uncommittedOffsets()) : undefined;
    let lastBeat = Date.now();
    // This partition's entry in `processed`, updated in place per message (a rebalance may drop it
    // from the map; the next message this member finishes puts it back).
    let done: { topic: string; partition: number; offset: string } | undefined;
    /** The last offset finished and not yet resolved in kafkajs. */
    let unresolved: string | undefined;
    entry.resolveFinished = () => {
      if (unresolved !== undefined) resolveOffset(unresolved);
      unresolved = undefined;
    };
    try {
      for (const message of batch.messages) {
        if (signal.aborted || !isRunning() || isStale()) return;
        const { offset } = message;
        entry.offset = offset;
        const outcome = await deliver({ channelId: topic, value: message.value, key: message.key, headers: message.headers, partition, offset, timestamp: message.timestamp }, signal);
        entry.offset = undefined;
        // close() gave up on this message (reported it, released kafkajs): it must stay uncommitted.
        if (this.gaveUp) return;
        if (outcome === 'redeliver') {
          if (unresolved !== undefined) resolveOffset(unresolved);
          unresolved = undefined;
          if (!signal.aborted) await this.pauseBeforeRedelivery(heartbeat, signal);
          return;
        }
        // Finished: every handler of this message (and of all before it in the partition) resolved.
        unresolved = offset;
        if (done !== undefined && processed.get(key) === done) done.offset = offset;
        else processed.set(key, (done = { topic, partition, offset }));
        // Within a long batch, hand over what finished, heartbeat and commit (when due) on a clock
        // rather than per message (both are throttled inside kafkajs, but each call costs a hop).
        const now = Date.now();
        if (now - lastBeat >= 250) {
          lastBeat = now;
          resolveOffset(offset);
          unresolved = undefined;
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      }
      // The batch is done: resolve it and commit if commitIntervalMs has passed. kafkajs's own
      // commit after every batch is off (autoCommit: false): a round trip per batch, ~1 MB of
      // messages, is a tenth of a fast consumer's time; one per commitIntervalMs is not.
      if (unresolved !== undefined) resolveOffset(unresolved);
      unresolved = undefined;
      await commitOffsetsIfNecessary();
    } finally {
      // On every early return but a give-up (after which an in-flight handler touches nothing):
      // kafkajs fetches this partition next from the first offset not resolved.
      if (unresolved !== undefined && !this.gaveUp) resolveOffset(unresolved);
    }
  }

  private async pauseBeforeRedelivery(heartbeat: () => Promise<void>, signal: AbortSignal): Promise<void> {
    let left = this.options.redeliveryPauseMs();
    // Heartbeat through the wait so the group does not evict this member meanwhile.
    while (left > 0 && !signal.aborted) {
      const step = Math.min(left, 1000);
      await sleep(step, signal).catch(() => undefined);
      left -= step;
      await heartbeat().catch(() => undefined);
    }
  }
}
