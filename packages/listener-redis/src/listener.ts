import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type DeadLetter,
  type DispatchOutcome,
  ListenerBase,
  type MotifsError,
  MotifsErrorHandlerFailed,
  MotifsErrorSerialization,
  backoffMs,
  channelStreamKey,
  emitSafe,
  redisReconnectDelayMs,
  sleep,
  within,
} from '@motifs/core/kit';
import type { Redis } from 'ioredis';
import { deadLetterEntry, writeDeadLetter } from './dead-letter.js';
import { type RedisIo, openChannelClient } from './io.js';
import { type RedisListenerMode, type RedisMotifOptions, type ResolvedRedisChannelOptions, readOptions } from './options.js';
import { type StreamEntry, claimIdle, createGroup, isNoGroup, lastEntryId, readBroadcast, readGroup, readOwnPending, releasePending } from './stream-ops.js';

/** Longest a blocking read waits before the loop looks around (claims due, closing). */
const BLOCK_MAX_MS = 5000;

interface InFlight {
  offset: string;
  /** Set when close() gave up on it: it must not be acknowledged by this listener any more. */
  detached: boolean;
  done: Promise<void>;
}

/**
 * Listens to a Redis stream. In `group` mode (default) a consumer group shares the stream:
 * each entry goes to one consumer, is acknowledged (XACK) once every handler resolved, failing
 * handlers are retried then dead-lettered, and the entries of a consumer that died are claimed by
 * another after `claimIdleMs`. In `broadcast` mode every instance reads every entry published
 * while it listens (XREAD, no group, no acks: at-most-once).
 */
export class RedisListener<T = unknown> extends ListenerBase<T> {
  /** `group` or `broadcast`. */
  readonly mode: RedisListenerMode;
  /** The stream key (see the README's key layout). */
  readonly streamKey: string;
  /** The dead-letter stream key. */
  readonly deadLetterKey: string;
  /** This instance's consumer name in the group: the `consumer` option, else `<hostname>-<pid>-<random>`. */
  readonly consumerName: string;
  private readonly settings: ResolvedRedisChannelOptions<T>;
  private readonly blockMs: number;
  private io: RedisIo | undefined;
  private blocking: Redis | undefined;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly acks = new Set<Promise<void>>();
  private ackQueue: string[] = [];
  private ackTimer: ReturnType<typeof setImmediate> | undefined;
  private wakers: (() => void)[] = [];
  private lastId = '0-0';
  /** Where reading this consumer's own pending entries (left by an earlier process of the same name) goes on; undefined once done. */
  private historyCursor: string | undefined = '0-0';
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private downSince: number | undefined;

  constructor(options: RedisMotifOptions<T>) {
    const settings = readOptions(options);
    super({ channelId: settings.channelId, options: settings.redis, path: 'redis', deadLetterChannelId: settings.deadLetterChannelId });
    this.settings = settings;
    this.mode = settings.mode;
    this.streamKey = channelStreamKey(settings.namespace, settings.channelId);
    this.deadLetterKey = channelStreamKey(settings.namespace, settings.deadLetterChannelId);
    this.consumerName = settings.consumer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    // Claims are looked for at least twice per claimIdleMs, so an idle entry waits at most 1.5x that.
    this.blockMs = settings.mode === 'group' ? Math.max(10, Math.min(BLOCK_MAX_MS, Math.floor(settings.claimIdleMs / 2))) : BLOCK_MAX_MS;
  }

  private get group(): string | undefined {
    return this.mode === 'group' ? this.groupId : undefined;
  }

  /**
   * Creates the consumer group if needed (`MKSTREAM`; at the stream's end, or its start with
   * `fromBeginning`; an existing group keeps its position), or in broadcast mode notes the newest
   * entry; then starts reading. Anything published after `listen()` resolved is delivered.
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when Redis cannot be reached
   */
  protected async startTransport(): Promise<void> {
    const io = await openChannelClient(this.settings.connection);
    try {
      if (this.group !== undefined) await createGroup(io, this.streamKey, this.group, this.fromBeginning ? '0' : '$');
      else this.lastId = await lastEntryId(io, this.streamKey);
    } catch (err) {
      await io.close();
      throw err;
    }
    this.io = io;
    this.blocking = io.duplicateForBlocking(this.blockMs);
    this.loop = this.run();
  }

  /** Appends the letter to the dead-letter stream and acknowledges the original in one script. */
  protected sendDeadLetter(letter: DeadLetter): Promise<void> {
    return writeDeadLetter({ io: this.io!, sourceKey: this.streamKey, deadLetterKey: this.deadLetterKey, group: this.group }, letter);
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.slotFree();
        if (signal.aborted) break;
        const entries = await this.next();
        const readAt = Date.now();
        if (this.downSince !== undefined) {
          emitSafe(this.em, 'recovered', { channelId: this.channelId, groupId: this.groupId, downMs: Date.now() - this.downSince });
          this.downSince = undefined;
        }
        failures = 0;
        for (const entry of entries) {
          await this.slotFree();
          // Read but not started: left pending, handed back to the group by close().
          if (signal.aborted) break;
          // Waited in this batch past claimIdleMs: another consumer may have claimed it already.
          // Skipped, it stays pending and XAUTOCLAIM hands it out again (to us, if nobody else).
          if (this.group !== undefined && Date.now() - readAt >= this.settings.claimIdleMs) continue;
          this.start(entry);
        }
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        if (this.group !== undefined && isNoGroup(err)) {
          // The stream or the group vanished (Redis restarted empty, or the key was deleted): recreate it.
          this.logger.warn(`listener of "${this.channelId}": consumer group "${this.group}" was gone; created it again`, { channelId: this.channelId, groupId: this.group });
          await createGroup(this.io!, this.streamKey, this.group, '0').catch(() => undefined);
          continue;
        }
        if (this.downSince === undefined) {
          this.downSince = Date.now();
          emitSafe(this.em, 'unavailable', { channelId: this.channelId, groupId: this.groupId, silentMs: 0 });
          void this.reportError(err);
        }
        await sleep(redisReconnectDelayMs(failures, this.settings.connection.reconnectMaxDelayMs), signal).catch(() => undefined);
      }
    }
  }

  /** Claimable entries when a claim check is due, else new entries (waiting up to the block time). */
  private async next(): Promise<StreamEntry[]> {
    const count = this.settings.batchSize;
    const { streamKey: key, consumerName: consumer } = this;
    const group = this.group;
    const timeoutMs = this.settings.connection.commandTimeoutMs;
    if (group === undefined) {
      const entries = await readBroadcast(this.blocking!, { key, lastId: this.lastId, count, blockMs: this.blockMs, timeoutMs });
      if (entries.length) this.lastId = entries[entries.length - 1]!.id;
      return entries;
    }
    if (this.historyCursor !== undefined) {
      // First what this consumer name read before a crash and never acknowledged, in stream order,
      // before anything new: with a stable `consumer`, a restart keeps the stream's order.
      const { entries, gone, lastId } = await readOwnPending(this.io!, { key, group, consumer, count, afterId: this.historyCursor });
      this.historyCursor = lastId;
      for (const id of gone) this.ack(id);
      if (entries.length) return entries;
      if (lastId !== undefined) return [];
    }
    if (Date.now() >= this.nextClaimAt) {
      const minIdleMs = this.settings.claimIdleMs;
      const { entries, cursor } = await claimIdle(this.io!, { key, group, consumer, minIdleMs, cursor: this.claimCursor, count });
      this.claimCursor = cursor;
      // A full batch: more may be idle, look again right away; else after the block time (the
      // cursor carries on through a long pending list, one step per look).
      this.nextClaimAt = entries.length === count ? 0 : Date.now() + this.blockMs;
      if (entries.length) return entries;
    }
    return readGroup(this.blocking!, { key, group, consumer, count, blockMs: this.blockMs, timeoutMs });
  }

  /** Resolves once fewer than `concurrency` messages are in flight, or the listener is closing. */
  private slotFree(): Promise<void> {
    if (this.inFlight.size < this.settings.concurrency || this.stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.wakers.splice(0)) resolve();
  }

  private start(entry: StreamEntry): void {
    const tracked: InFlight = { offset: entry.raw.offset, detached: false, done: Promise.resolve() };
    this.inFlight.set(entry.id, tracked);
    tracked.done = this.handle(entry, tracked)
      .catch((err: unknown) => this.reportError(err))
      .finally(() => {
        this.inFlight.delete(entry.id);
        this.wake();
      });
  }

  private async handle(entry: StreamEntry, tracked: InFlight): Promise<void> {
    const { signal } = this.stopping;
    for (;;) {
      const outcome = await this.dispatch(entry);
      if (tracked.detached) return;
      if (outcome === 'done') {
        if (this.group !== undefined) this.ack(entry.id);
        return;
      }
      // Dead-lettered: the dead-letter script acknowledged it. Redeliver while closing: left pending.
      if (outcome === 'dead-lettered' || signal.aborted) return;
      // The dead letter could not be written: the same message again after a pause, never the next one.
      await sleep(backoffMs(this.retry, this.retry.attempts), signal).catch(() => undefined);
      if (signal.aborted) return;
    }
  }

  private dispatch(entry: StreamEntry): Promise<DispatchOutcome> {
    const { raw } = entry;
    const reporter = { channelId: this.channelId, deadLetterChannelId: this.deadLetterChannelId, em: this.em, send: (l: DeadLetter) => this.sendDeadLetter(l), report: (e: unknown) => this.reportError(e) };
    if (entry.malformed) {
      const err: MotifsError = new MotifsErrorSerialization(`stream entry ${entry.id} of "${this.channelId}" is not a motifs message (no "v" field, or headers that are not a JSON object of strings)`);
      return deadLetterEntry(reporter, raw, 'decode', err, 0);
    }
    const max = this.settings.maxDeliveries;
    if (entry.deliveries > max) {
      const err = new MotifsErrorHandlerFailed(
        `entry ${entry.id} of "${this.channelId}" was delivered ${entry.deliveries} times without being acknowledged (its consumers died or were closed while handling it); maxDeliveries is ${max}`,
        { details: { deliveries: entry.deliveries, maxDeliveries: max } },
      );
      return deadLetterEntry(reporter, raw, 'handler', err, entry.deliveries - 1);
    }
    return this.deliver(raw, this.stopping.signal);
  }

  /**
   * Queues an XACK without holding up the next message. The acks queued while handlers run go
   * out together in one XACK right after (setImmediate); close() flushes and waits for them.
   */
  private ack(id: string): void {
    this.ackQueue.push(id);
    this.ackTimer ??= setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    if (this.ackTimer) clearImmediate(this.ackTimer);
    this.ackTimer = undefined;
    const ids = this.ackQueue.splice(0);
    if (ids.length === 0) return;
    const io = this.io!;
    const sent: Promise<void> = io
      .run('ack', () => io.client.xack(this.streamKey, this.group!, ...ids))
      .then(
        () => undefined,
        // Not acknowledged: the entry stays pending and is claimed again (at-least-once).
        (err: unknown) => this.reportError(err),
      )
      .finally(() => this.acks.delete(sent));
    this.acks.add(sent);
  }

  /**
   * Stops reading (the blocking connection is dropped, so close() never waits out a block), waits
   * up to `closeTimeoutMs` for in-flight handlers and their acks, reports the rest as abandoned,
   * hands this consumer's pending entries back to the group (claimable at once), and closes the
   * connections. Resolves within `closeTimeoutMs` plus about two command timeouts.
   */
  protected async stopTransport(): Promise<void> {
    const deadline = Date.now() + this.closeTimeoutMs;
    this.wake();
    const blocking = this.blocking;
    // Resolves once its socket is gone (disconnect() only starts closing it).
    const blockingEnded = blocking && blocking.status !== 'end' ? new Promise<void>((resolve) => blocking.once('end', () => resolve())) : undefined;
    blocking?.disconnect();
    const io = this.io;
    if (!io) return;
    const drained = (async () => {
      await this.loop;
      await Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
    })();
    const reports: Promise<void>[] = [];
    if ((await within(drained, Math.max(0, deadline - Date.now()))) === 'timeout') {
      for (const f of this.inFlight.values()) {
        f.detached = true;
        reports.push(this.abandon(0, f.offset));
      }
    }
    this.flushAcks();
    await within(Promise.allSettled([...this.acks]), io.timeoutMs);
    if (this.group !== undefined) {
      const { streamKey: key, consumerName: consumer, group } = this;
      const { claimIdleMs, deleteConsumerOnClose: deleteConsumer } = this.settings;
      await releasePending(io, { key, group, consumer, claimIdleMs, deleteConsumer }).catch((err: unknown) => this.reportError(err));
    }
    await io.close();
    if (blockingEnded) await within(blockingEnded, io.timeoutMs);
    // Abandoned messages were reported when close() gave up; wait (briefly) for slow onError handlers.
    if (reports.length) await within(Promise.allSettled(reports), 1000);
  }
}
