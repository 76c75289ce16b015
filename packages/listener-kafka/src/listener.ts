import {
  type DeadLetter,
  type IListener,
  type IListenerErrorHandler,
  type IListenerMessageHandler,
  MessageDispatcher,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  type ResolvedRetryPolicy,
  backoffMs,
  closedError,
  createEventManager,
  defaultDeadLetterChannel,
  emitSafe,
  resolveCommonOptions,
  shareOnce,
  sleep,
} from '@motifs/core/kit';
import type { Socket } from 'node:net';
import type { Consumer, EachBatchPayload, Kafka as KafkaClient, Producer } from 'kafkajs';
import { toMotifsError } from './errors.js';
import { Partitioners } from './kafkajs.js';
import { type KafkaListenerOptions, type KafkaMotifOptions, readOptions } from './options.js';

/** The consumer group a listener joins when `groupId` is not given: `motifs-<channelId>`. */
export function defaultGroupId(channelId: string): string {
  return `motifs-${channelId}`;
}

/** Resolves `'timeout'` after `ms` (unref'd: it never keeps a process alive on its own). */
const timeout = (ms: number): Promise<'timeout'> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    t.unref?.();
  });

/**
 * `work`'s result, or `'timeout'` after `ms`. The timer is ref'd, since close() awaits it (a process
 * with nothing else to do must not exit mid-close()), and cleared as soon as `work` settles, so it
 * never holds a process up afterwards.
 */
async function within<R>(work: Promise<R>, ms: number): Promise<R | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([work, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Default of `disconnectTimeoutMs`: how long close() waits, after the drain, for the consumer to
 * leave its group and disconnect. Past it, close() resolves anyway, reporting MOTIFS_TIMEOUT (and
 * destroys the sockets of a client it built itself).
 */
export const DISCONNECT_TIMEOUT_MS = 5000;

/** One batch kafkajs handed us, while its handlers run. */
interface InFlightBatch {
  partition: number;
  /** Offset of the message whose handlers are running, if any. */
  offset: string | undefined;
  settled: Promise<void>;
}

/**
 * Listens to a Kafka topic with at-least-once delivery: an offset is committed only after every
 * handler resolved for that message and all before it in its partition; failing handlers are retried
 * with backoff, then the message is written to the dead-letter topic and reported.
 */
export class KafkaListener<T = unknown> implements IListener<T> {
  readonly channelId: string;
  readonly em: IListener<T>['em'] = createEventManager();
  readonly groupId: string;
  readonly deadLetterTopic: string;
  private readonly client: KafkaClient;
  private readonly options: KafkaListenerOptions<T>;
  private readonly dispatcher: MessageDispatcher<T>;
  private readonly retry: ResolvedRetryPolicy;
  private readonly closeTimeoutMs: number;
  private readonly fromBeginning: boolean;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  /** Last processed offset per partition this member owns (the commit is this + 1). */
  private readonly processed = new Map<number, string>();
  private readonly inFlight = new Set<InFlightBatch>();
  private readonly stopping = new AbortController();
  /** Set when close() stopped waiting for in-flight handlers: from then on they touch nothing. */
  private gaveUp = false;
  /** Resolves when close() gives up, releasing kafkajs from waiting on batches that will never end. */
  private readonly givenUp: Promise<void>;
  private giveUp!: () => void;
  /** Sockets of the client this listener built (empty for an injected client). */
  private readonly sockets: Set<Socket> | undefined;
  private closed = false;
  private crashed = false;
  private started = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** The latest batch's heartbeat (every batch's calls the same group heartbeat). */
  private heartbeat: (() => Promise<void>) | undefined;
  /** Outage detection (see {@link checkBrokers}): when a broker last answered the consumer. */
  private lastAnswer = 0;
  /** Set while no broker answers: since when it has been silent, and whether onError was told. */
  private outage: { silentSince: number; detectedAt: number; reported: boolean } | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;
  /** From kafkajs's "connect" or "rebalancing" to the join: the broker may rightly hold the JoinGroup answer. */
  private joining = false;
  private readonly unavailableAfterMs: number;
  private readonly unavailableGraceMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly disconnectTimeoutMs: number;

  constructor(options: KafkaMotifOptions<T>) {
    const { channelId, kafka, client, sockets } = readOptions(options);
    this.sockets = sockets;
    this.givenUp = new Promise<void>((resolve) => {
      this.giveUp = resolve;
    });
    const common = resolveCommonOptions(kafka, 'kafka');
    this.channelId = channelId;
    this.client = client;
    this.options = kafka;
    this.groupId = kafka.groupId ?? defaultGroupId(channelId);
    this.deadLetterTopic = kafka.deadLetterTopic ?? defaultDeadLetterChannel(channelId);
    this.retry = common.retry;
    this.closeTimeoutMs = common.closeTimeoutMs;
    this.fromBeginning = common.fromBeginning;
    // An idle consumer hears from its broker at least every maxWaitTimeInMs (the fetch long-poll).
    this.unavailableAfterMs = Math.max(kafka.unavailableAfterMs ?? 3000, 2 * (kafka.consumerConfig?.maxWaitTimeInMs ?? 500));
    this.unavailableGraceMs = kafka.unavailableGraceMs ?? 10_000;
    this.rebalanceTimeoutMs = kafka.consumerConfig?.rebalanceTimeout ?? 60_000;
    this.disconnectTimeoutMs = kafka.disconnectTimeoutMs ?? DISCONNECT_TIMEOUT_MS;
    this.dispatcher = new MessageDispatcher<T>({
      channelId,
      deadLetterChannelId: this.deadLetterTopic,
      codec: common.codec,
      schema: common.schema,
      retry: common.retry,
      em: this.em,
      sendDeadLetter: (letter) => this.sendDeadLetter(letter),
      // Waits between retries can outlast the session timeout: keep the membership alive meanwhile.
      keepAlive: async () => {
        await this.heartbeat?.().catch(() => undefined);
      },
    });
  }

  /** Adds a handler for every message; its offset is committed once all handlers resolved. */
  onMessage(handler: IListenerMessageHandler<T>): void {
    this.dispatcher.onMessage(handler);
  }

  /** Adds a handler for dead-lettered messages, delivery failures and consumer crashes. */
  onError(handler: IListenerErrorHandler): void {
    this.dispatcher.onError(handler);
  }

  /**
   * Connects, joins the consumer group and starts consuming; resolves once the group is joined and
   * the first fetch ran (so the start position is fixed).
   * Calling it again is harmless. Failures are also reported to `onError` / `em`, and the
   * returned promise never causes an unhandled rejection when not awaited.
   * @throws MotifsErrorValidation when no onMessage handler is registered
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when the brokers cannot be reached
   */
  readonly listen: () => Promise<void> = shareOnce(async () => {
    if (this.closed) throw closedError('listener', this.channelId);
    await this.dispatcher.requireMessageHandler();
    try {
      await this.start();
    } catch (cause) {
      const err = toMotifsError(cause, `listening to ${this.channelId}`);
      await this.stopConsumer();
      await this.dispatcher.reportError(err);
      throw err;
    }
    this.started = true;
    this.startWatchdog();
    emitSafe(this.em, 'listening', { channelId: this.channelId, groupId: this.groupId });
  });

  private async start(): Promise<void> {
    const consumer = this.client.consumer({
      // close() has to wait out an in-flight fetch long-poll; kafkajs's 5 s default makes it slow.
      maxWaitTimeInMs: 500,
      ...this.options.consumerConfig,
      groupId: this.groupId,
      retry: {
        ...this.options.consumerConfig?.retry,
        // kafkajs restarts a crashed consumer after retriable errors; never while we are closing.
        restartOnFailure: async () => !this.closed,
      },
    });
    this.consumer = consumer;
    let joined!: () => void;
    let failed!: (err: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      joined = resolve;
      failed = reject;
    });
    ready.catch(() => undefined);
    const { GROUP_JOIN, REBALANCING, CRASH, CONNECT, DISCONNECT, STOP, FETCH, REQUEST } = consumer.events;
    // Every answer from a broker (kafkajs emits REQUEST per completed request) proves it is reachable.
    if (REQUEST) consumer.on(REQUEST, () => this.brokerAnswered());
    let joinedOnce = false;
    // listen() resolves after the first fetch that follows the join: by then kafkajs has fixed the
    // start offsets of a new group, so a message published after listen() is never skipped.
    consumer.on(FETCH, () => {
      this.brokerAnswered();
      if (joinedOnce) joined();
    });
    consumer.on(GROUP_JOIN, (e) => {
      if (this.closed) {
        // kafkajs can finish a crash-restart after disconnect() returned (its runner is not yet
        // "running" when stop() looks): a consumer that rejoins after close() is shut down here.
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.joining = false;
      this.brokerAnswered();
      const partitions = [...(e.payload.memberAssignment[this.channelId] ?? [])].sort((a, b) => a - b);
      // Offsets of partitions now owned by someone else must not be committed by us later.
      for (const p of this.processed.keys()) if (!partitions.includes(p)) this.processed.delete(p);
      if (this.crashed) emitSafe(this.em, 'reconnect', { channelId: this.channelId, groupId: this.groupId });
      this.crashed = false;
      emitSafe(this.em, 'rebalance', { channelId: this.channelId, groupId: this.groupId, memberId: e.payload.memberId, partitions });
      joinedOnce = true;
    });
    consumer.on(REBALANCING, (e) => {
      this.joining = true;
      emitSafe(this.em, 'rebalancing', { channelId: this.channelId, groupId: e.payload.groupId });
    });
    consumer.on(CONNECT, () => {
      // kafkajs emits CONNECT right before it joins the group (first start and every restart).
      this.joining = true;
      emitSafe(this.em, 'connect', { channelId: this.channelId });
    });
    consumer.on(DISCONNECT, () => emitSafe(this.em, 'disconnect', { channelId: this.channelId }));
    consumer.on(STOP, () => emitSafe(this.em, 'stop', { channelId: this.channelId }));
    consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      const err = toMotifsError(error, `consumer of ${this.channelId} crashed`);
      this.crashed = true;
      this.joining = false;
      emitSafe(this.em, 'crash', { channelId: this.channelId, error: err, restart });
      if (!restart) failed(err);
      // Before listen() succeeded, listen() itself reports the failure and cleans up.
      if (!restart && !this.closed && this.started) {
        // kafkajs gives up on errors it deems fatal; a listener must keep going, so report and rejoin.
        void this.dispatcher.reportError(err);
        this.scheduleRestart();
      }
    });
    const listenTimeoutMs = this.options.listenTimeoutMs ?? 60_000;
    const deadline = Date.now() + listenTimeoutMs;
    await consumer.connect();
    await this.subscribe(consumer, deadline);
    await this.runConsumer(consumer);
    const outcome = await Promise.race([ready.then(() => 'joined' as const), timeout(Math.max(0, deadline - Date.now()))]);
    if (outcome === 'timeout') {
      throw new MotifsErrorTimeout(`did not join consumer group ${this.groupId} on ${this.channelId} within ${listenTimeoutMs}ms`);
    }
  }

  /**
   * Subscribes, retrying while the topic is still being created: a broker that auto-creates topics
   * answers the first metadata request for a new one with UNKNOWN_TOPIC_OR_PARTITION.
   */
  private async subscribe(consumer: Consumer, deadline: number): Promise<void> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        await consumer.subscribe({ topic: this.channelId, fromBeginning: this.fromBeginning });
        return;
      } catch (cause) {
        const err = toMotifsError(cause, `subscribing to ${this.channelId}`);
        if (!err.retryable || Date.now() + wait > deadline || this.closed) throw err;
        emitSafe(this.em, 'subscribe.retry', { channelId: this.channelId, error: err, waitMs: wait });
        await sleep(wait);
      }
    }
  }

  private runConsumer(consumer: Consumer): Promise<void> {
    return consumer.run({
      autoCommit: true,
      autoCommitInterval: this.options.commitIntervalMs ?? 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrency ?? 1,
      eachBatch: (payload) => this.trackBatch(payload),
    });
  }

  private scheduleRestart(): void {
    if (this.restartTimer || this.closed) return;
    const delay = backoffMs(this.retry, this.retry.attempts);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      const consumer = this.consumer;
      if (!consumer || this.closed) return;
      emitSafe(this.em, 'restart', { channelId: this.channelId });
      void (async () => {
        await consumer.connect();
        await this.subscribe(consumer, Date.now() + (this.options.listenTimeoutMs ?? 60_000));
        await this.runConsumer(consumer);
        if (this.closed) await consumer.disconnect();
      })().catch((cause) => {
        void this.dispatcher.reportError(toMotifsError(cause, `restarting the consumer of ${this.channelId}`));
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref?.();
  }

  private startWatchdog(): void {
    if (this.watchdog || this.closed) return;
    this.lastAnswer = this.lastTick = Date.now();
    const every = Math.min(1000, Math.max(50, this.unavailableAfterMs / 4));
    this.watchdog = setInterval(() => this.checkBrokers(every), every);
    this.watchdog.unref?.();
  }

  private brokerAnswered(): void {
    const now = Date.now();
    this.lastAnswer = now;
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    emitSafe(this.em, 'recovered', { channelId: this.channelId, groupId: this.groupId, downMs: now - outage.silentSince });
  }

  /**
   * Outage detection. kafkajs retries an unreachable broker quietly (its crash event comes only
   * once the broker is back), so the listener watches for silence instead: while it waits on the
   * brokers (no handler running), no answer for `unavailableAfterMs` (while joining a group:
   * `rebalanceTimeout` more, since the broker may hold that answer) emits `unavailable`; still
   * none `unavailableGraceMs` later, onError gets one MOTIFS_UNAVAILABLE; the next answer emits
   * `recovered`.
   */
  private checkBrokers(every: number): void {
    const now = Date.now();
    // A tick far behind schedule means the event loop was blocked: answers may be waiting in
    // the socket buffers, so judge on the next tick, after I/O ran.
    const late = now - this.lastTick > 2 * every + 250;
    this.lastTick = now;
    if (this.closed || late) return;
    // Handlers running: the consumer is not waiting on the brokers, so silence means nothing yet.
    if (this.inFlight.size) {
      this.lastAnswer = now;
      return;
    }
    const silentMs = now - this.lastAnswer;
    if (!this.outage) {
      const limit = this.joining ? this.unavailableAfterMs + this.rebalanceTimeoutMs : this.unavailableAfterMs;
      if (silentMs < limit) return;
      this.outage = { silentSince: this.lastAnswer, detectedAt: now, reported: false };
      emitSafe(this.em, 'unavailable', { channelId: this.channelId, groupId: this.groupId, silentMs });
      return;
    }
    if (this.outage.reported || now - this.outage.detectedAt < this.unavailableGraceMs) return;
    this.outage.reported = true;
    void this.dispatcher.reportError(
      new MotifsErrorUnavailable(
        `no Kafka broker has answered the listener of ${this.channelId} for ${silentMs}ms; it keeps retrying, and emits "recovered" when one answers`,
        { details: { channelId: this.channelId, groupId: this.groupId, silentMs } },
      ),
    );
  }

  private trackBatch(payload: EachBatchPayload): Promise<void> {
    // Tracked before the first handler runs: a handler may call close() synchronously.
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const entry: InFlightBatch = { partition: payload.batch.partition, offset: undefined, settled };
    this.inFlight.add(entry);
    const run = this.handleBatch(payload, entry).finally(() => {
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
   */
  private async handleBatch(
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
    entry: InFlightBatch,
  ): Promise<void> {
    const { partition } = batch;
    const signal = this.stopping.signal;
    this.heartbeat = heartbeat;
    let lastBeat = Date.now();
    for (const message of batch.messages) {
      if (signal.aborted || !isRunning() || isStale()) return;
      entry.offset = message.offset;
      const outcome = await this.dispatcher.process(
        { value: message.value, key: message.key, headers: message.headers, partition, offset: message.offset, timestamp: message.timestamp },
        signal,
      );
      entry.offset = undefined;
      // close() gave up on this message (reported it, released kafkajs): it must stay uncommitted.
      if (this.gaveUp) return;
      if (outcome === 'redeliver') {
        if (!signal.aborted) await this.pauseBeforeRedelivery(heartbeat, signal);
        return;
      }
      resolveOffset(message.offset);
      this.processed.set(partition, message.offset);
      // kafkajs commits after every batch; within a long batch, heartbeat and commit on a clock
      // rather than per message (both are throttled inside kafkajs, but each call costs a hop).
      const now = Date.now();
      if (now - lastBeat >= 250) {
        lastBeat = now;
        await heartbeat();
        await commitOffsetsIfNecessary();
      }
    }
  }

  private async pauseBeforeRedelivery(heartbeat: () => Promise<void>, signal: AbortSignal): Promise<void> {
    let left = backoffMs(this.retry, this.retry.attempts);
    // Heartbeat through the wait so the group does not evict this member meanwhile.
    while (left > 0 && !signal.aborted) {
      const step = Math.min(left, 1000);
      await sleep(step, signal).catch(() => undefined);
      left -= step;
      await heartbeat().catch(() => undefined);
    }
  }

  private async sendDeadLetter(letter: DeadLetter): Promise<void> {
    const producer = await this.deadLetterProducer();
    try {
      await producer.send({
        topic: letter.channelId,
        acks: -1,
        messages: [{ value: letter.value, key: letter.key ?? null, headers: letter.headers }],
      });
    } catch (cause) {
      // The failed request may have been written. kafkajs would reuse its sequence number for the
      // next dead letter to that partition, which the broker would then take for a duplicate and
      // drop while acknowledging it: later dead letters go through a new producer (new producer id).
      this.retireDeadLetterProducer(producer);
      throw toMotifsError(cause, `writing to dead-letter topic ${letter.channelId}`);
    }
  }

  /** Stops using `producer` for dead letters; it is disconnected in the background. */
  private retireDeadLetterProducer(producer: Producer): void {
    if (this.producer !== producer) return; // already replaced (or closed)
    this.producer = undefined;
    this.producerReady = undefined;
    void producer.disconnect().catch(() => undefined);
  }

  /** The dead-letter producer is built on first use: most listeners never need it. */
  private deadLetterProducer(): Promise<Producer> {
    // A handler that outlived close() must not open a producer nobody will disconnect; its message
    // stays uncommitted and is redelivered instead.
    if (this.closed && !this.consumer) return Promise.reject(closedError('listener', this.channelId));
    if (!this.producerReady) {
      const producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      this.producer = producer;
      this.producerReady = producer.connect().then(() => producer);
      this.producerReady.catch(() => {
        this.producerReady = undefined;
        this.producer = undefined;
      });
    }
    return this.producerReady;
  }

  /**
   * Stops fetching, waits up to `closeTimeoutMs` for in-flight handlers, commits what they
   * finished, leaves the group and disconnects. A message whose handler has not settled by then is
   * abandoned: reported (`abandoned` on `em`, `MotifsErrorAbandoned` on onError), left
   * uncommitted (the group redelivers it), and its handler no longer holds kafkajs up. Resolves
   * within `closeTimeoutMs` + `disconnectTimeoutMs` (default 5000); leaves no timer behind, nor
   * any socket of a client it built.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    const consumer = this.consumer;
    let reports: Promise<void>[] = [];
    if (consumer) {
      try {
        consumer.pause([{ topic: this.channelId }]);
      } catch {
        // Not running (never joined or crashed): nothing to pause.
      }
      if (this.inFlight.size) {
        const drained = Promise.allSettled([...this.inFlight].map((b) => b.settled)).then(() => 'drained' as const);
        if ((await within(drained, this.closeTimeoutMs)) === 'timeout') reports = this.abandonInFlight();
      }
    }
    await this.stopConsumer(consumer && (() => this.commitProcessed(consumer)));
    // Abandoned messages were reported when close() gave up; wait (briefly) for slow onError handlers.
    if (reports.length) await within(Promise.allSettled(reports), 1000);
    emitSafe(this.em, 'closed', { channelId: this.channelId });
  }

  /** Gives up on the handlers still running: reports their messages and lets kafkajs stop. */
  private abandonInFlight(): Promise<void>[] {
    this.gaveUp = true;
    const stuck = [...this.inFlight].filter((b) => b.offset !== undefined);
    this.giveUp();
    return stuck.map((b) =>
      this.dispatcher.reportAbandoned({ groupId: this.groupId, partition: b.partition, offset: b.offset!, closeTimeoutMs: this.closeTimeoutMs }),
    );
  }

  private async commitProcessed(consumer: Consumer): Promise<void> {
    if (this.processed.size === 0) return;
    const offsets = [...this.processed].map(([partition, offset]) => ({ topic: this.channelId, partition, offset: (BigInt(offset) + 1n).toString() }));
    try {
      await consumer.commitOffsets(offsets);
    } catch (cause) {
      // Not fatal: these messages are redelivered to the group (at-least-once), so say so.
      await this.dispatcher.reportError(
        new MotifsErrorUnavailable(`could not commit offsets of ${this.channelId} on close; finished messages may be redelivered`, {
          cause,
          details: { offsets },
        }),
      );
    }
  }

  /** Commits (`commitFirst`), leaves the group and disconnects, all within `disconnectTimeoutMs`. */
  private async stopConsumer(commitFirst?: () => Promise<void>): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    const producerReady = this.producerReady;
    this.consumer = undefined;
    this.producer = undefined;
    this.producerReady = undefined;
    // Committing and leaving the group need the broker; when it is unreachable kafkajs retries for a
    // long time, so all of it shares one bound.
    const ms = this.disconnectTimeoutMs;
    const work = (async () => {
      await commitFirst?.();
      await Promise.allSettled([consumer?.disconnect(), producerReady?.then(() => producer?.disconnect())]);
    })();
    const outcome = await within(work, ms);
    if (outcome === 'timeout') {
      // Not awaited: a slow onError handler must not unbound close().
      void this.dispatcher.reportError(
        new MotifsErrorTimeout(`the consumer of ${this.channelId} did not commit, leave its group and disconnect within ${ms}ms (disconnectTimeoutMs)`, {
          details: { channelId: this.channelId, groupId: this.groupId, disconnectTimeoutMs: ms },
        }),
      );
    }
    // A client this listener built is its own: whatever kafkajs still holds open goes, so the
    // process can exit. (An injected client's sockets belong to its owner.)
    if (this.sockets) for (const socket of this.sockets) socket.destroy();
  }
}
