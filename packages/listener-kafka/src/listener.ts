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
} from '@motifs/core';
import type { Consumer, EachBatchPayload, Kafka as KafkaClient, Producer } from 'kafkajs';
import { toMotifsError } from './errors.js';
import { Partitioners } from './kafkajs.js';
import { type KafkaListenerOptions, type KafkaMotifOptions, readOptions } from './options.js';

/** The consumer group a listener joins when `groupId` is not given: `motifs-<channelId>`. */
export function defaultGroupId(channelId: string): string {
  return `motifs-${channelId}`;
}

/** Resolves after `ms` with `undefined`, so a race can tell "timed out" from a result. */
const timeout = (ms: number): Promise<'timeout'> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    t.unref?.();
  });

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
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private closed = false;
  private crashed = false;
  private started = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** The latest batch's heartbeat (every batch's calls the same group heartbeat). */
  private heartbeat: (() => Promise<void>) | undefined;

  constructor(options: KafkaMotifOptions<T>) {
    const { channelId, kafka, client } = readOptions(options);
    const common = resolveCommonOptions(kafka, 'kafka');
    this.channelId = channelId;
    this.client = client;
    this.options = kafka;
    this.groupId = kafka.groupId ?? defaultGroupId(channelId);
    this.deadLetterTopic = kafka.deadLetterTopic ?? defaultDeadLetterChannel(channelId);
    this.retry = common.retry;
    this.closeTimeoutMs = common.closeTimeoutMs;
    this.fromBeginning = common.fromBeginning;
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
    const { GROUP_JOIN, REBALANCING, CRASH, CONNECT, DISCONNECT, STOP, FETCH } = consumer.events;
    let joinedOnce = false;
    // listen() resolves after the first fetch that follows the join: by then kafkajs has fixed the
    // start offsets of a new group, so a message published after listen() is never skipped.
    consumer.on(FETCH, () => {
      if (joinedOnce) joined();
    });
    consumer.on(GROUP_JOIN, (e) => {
      if (this.closed) {
        // kafkajs can finish a crash-restart after disconnect() returned (its runner is not yet
        // "running" when stop() looks): a consumer that rejoins after close() is shut down here.
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      const partitions = [...(e.payload.memberAssignment[this.channelId] ?? [])].sort((a, b) => a - b);
      // Offsets of partitions now owned by someone else must not be committed by us later.
      for (const p of this.processed.keys()) if (!partitions.includes(p)) this.processed.delete(p);
      if (this.crashed) emitSafe(this.em, 'reconnect', { channelId: this.channelId, groupId: this.groupId });
      this.crashed = false;
      emitSafe(this.em, 'rebalance', { channelId: this.channelId, groupId: this.groupId, memberId: e.payload.memberId, partitions });
      joinedOnce = true;
    });
    consumer.on(REBALANCING, (e) => emitSafe(this.em, 'rebalancing', { channelId: this.channelId, groupId: e.payload.groupId }));
    consumer.on(CONNECT, () => emitSafe(this.em, 'connect', { channelId: this.channelId }));
    consumer.on(DISCONNECT, () => emitSafe(this.em, 'disconnect', { channelId: this.channelId }));
    consumer.on(STOP, () => emitSafe(this.em, 'stop', { channelId: this.channelId }));
    consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      const err = toMotifsError(error, `consumer of ${this.channelId} crashed`);
      this.crashed = true;
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

  private trackBatch(payload: EachBatchPayload): Promise<void> {
    // Tracked before the first handler runs: a handler may call close() synchronously.
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.inFlight.add(settled);
    return this.handleBatch(payload).finally(() => {
      this.inFlight.delete(settled);
      settle();
    });
  }

  /**
   * One partition's batch, message by message. A message that must be redelivered ends the batch
   * unresolved: kafkajs fetches from the first unresolved offset next, so nothing after it is
   * acknowledged before it is.
   */
  private async handleBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    const signal = this.stopping.signal;
    this.heartbeat = heartbeat;
    let lastDone: string | undefined;
    let lastBeat = Date.now();
    try {
      for (const message of batch.messages) {
        if (signal.aborted || !isRunning() || isStale()) return;
        const outcome = await this.dispatcher.process(
          { value: message.value, key: message.key, headers: message.headers, partition, offset: message.offset, timestamp: message.timestamp },
          signal,
        );
        if (outcome === 'redeliver') {
          if (!signal.aborted) await this.pauseBeforeRedelivery(heartbeat, signal);
          return;
        }
        resolveOffset(message.offset);
        lastDone = message.offset;
        // kafkajs commits after every batch; within a long batch, heartbeat and commit on a clock
        // rather than per message (both are throttled inside kafkajs, but each call costs a hop).
        const now = Date.now();
        if (now - lastBeat >= 250) {
          lastBeat = now;
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      }
    } finally {
      if (lastDone !== undefined) this.processed.set(partition, lastDone);
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
      throw toMotifsError(cause, `writing to dead-letter topic ${letter.channelId}`);
    }
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
   * finished, leaves the group and disconnects. Messages not finished in time are redelivered to
   * the group later (at-least-once).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const consumer = this.consumer;
    if (consumer) {
      try {
        consumer.pause([{ topic: this.channelId }]);
      } catch {
        // Not running (never joined or crashed): nothing to pause.
      }
      if (this.inFlight.size) await Promise.race([Promise.allSettled([...this.inFlight]), timeout(this.closeTimeoutMs)]);
      await this.commitProcessed(consumer);
    }
    await this.stopConsumer();
    emitSafe(this.em, 'closed', { channelId: this.channelId });
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

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    const producer = this.producer;
    const producerReady = this.producerReady;
    this.consumer = undefined;
    this.producer = undefined;
    this.producerReady = undefined;
    // A handler stuck past closeTimeoutMs must not hang close(): bound the disconnects too.
    const bound = this.closeTimeoutMs + 10_000;
    await Promise.race([
      Promise.allSettled([
        consumer?.disconnect(),
        producerReady?.then(() => producer?.disconnect()),
      ]),
      timeout(bound),
    ]);
  }
}
