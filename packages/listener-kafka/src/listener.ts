import { type DeadLetter, ListenerBase, type MotifsError, MotifsErrorTimeout, MotifsErrorUnavailable, backoffMs, closedError, emitSafe, timeoutAfter, within } from '@motifs/core/kit';
import type { Socket } from 'node:net';
import type { Consumer, Kafka as KafkaClient } from 'kafkajs';
import { PartitionBatches, partitionKey } from './batches.js';
import { DeadLetterProducer } from './dead-letter-producer.js';
import { toMotifsError } from './errors.js';
import { DISCONNECT_TIMEOUT_MS, type KafkaListenerOptions, type KafkaMotifOptions, readOptions } from './options.js';
import { OutageWatch } from './outage.js';
import { subscribeWithRetry } from './subscribe.js';

/**
 * Listens to a Kafka topic with at-least-once delivery: an offset is committed only after every
 * handler resolved for that message and all before it in its partition; failing handlers are retried
 * with backoff, then the message is written to the dead-letter topic and reported.
 */
export class KafkaListener<T = unknown> extends ListenerBase<T> {
  protected readonly client: KafkaClient;
  private readonly options: KafkaListenerOptions<T>;
  protected consumer: Consumer | undefined;
  private readonly deadLetters: DeadLetterProducer;
  protected readonly batches: PartitionBatches;
  protected readonly outage: OutageWatch;
  /** Topics subscribed, each with where a group new to it starts (fromBeginning); a pattern listener fills it. */
  protected readonly topics = new Map<string, boolean>();
  /** Sockets of the client this listener built (empty for an injected client). */
  private readonly sockets: Set<Socket> | undefined;
  private crashed = false;
  private started = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  protected readonly disconnectTimeoutMs: number;

  constructor(options: KafkaMotifOptions<T>) {
    const { channelId, kafka, client, sockets, deadLetterTopic, pattern } = readOptions(options);
    const fixed = kafka.deadLetterTopic;
    super({ channelId, options: kafka, path: 'kafka', deadLetterChannelId: deadLetterTopic, ...(pattern && fixed ? { deadLetterChannelFor: () => fixed } : {}) });
    if (!pattern) this.topics.set(channelId, this.fromBeginning);
    this.sockets = sockets;
    this.client = client;
    this.options = kafka;
    this.disconnectTimeoutMs = kafka.disconnectTimeoutMs ?? DISCONNECT_TIMEOUT_MS;
    this.deadLetters = new DeadLetterProducer(client, () => (this.closed && !this.consumer ? closedError('listener', this.channelId) : undefined));
    this.batches = new PartitionBatches({
      signal: this.stopping.signal,
      deliver: (raw, signal) => this.deliver(raw, signal),
      redeliveryPauseMs: () => backoffMs(this.retry, this.retry.attempts),
    });
    const { channelId: c, groupId } = this;
    this.outage = new OutageWatch({
      // An idle consumer hears from its broker at least every maxWaitTimeInMs (the fetch long-poll).
      unavailableAfterMs: Math.max(kafka.unavailableAfterMs ?? 3000, 2 * (kafka.consumerConfig?.maxWaitTimeInMs ?? 500)),
      unavailableGraceMs: kafka.unavailableGraceMs ?? 10_000,
      rebalanceTimeoutMs: kafka.consumerConfig?.rebalanceTimeout ?? 60_000,
      busy: () => this.batches.inFlight.size > 0,
      closed: () => this.closed,
      onUnavailable: (silentMs) => emitSafe(this.em, 'unavailable', { channelId: c, groupId, silentMs }),
      onRecovered: (downMs) => emitSafe(this.em, 'recovered', { channelId: c, groupId, downMs }),
      onProlonged: (silentMs) =>
        void this.reportError(
          new MotifsErrorUnavailable(`no Kafka broker has answered the listener of ${c} for ${silentMs}ms; it keeps retrying, and emits "recovered" when one answers`, {
            details: { channelId: c, groupId, silentMs },
          }),
        ),
    });
  }

  /** The dead-letter topic (`deadLetterTopic`, default `<channelId>.dlq`). */
  get deadLetterTopic(): string {
    return this.deadLetterChannelId;
  }

  /**
   * Connects, joins the consumer group and starts consuming; `listen()` resolves once the group is
   * joined and the first fetch ran (so the start position is fixed).
   * @throws MotifsErrorUnavailable / MotifsErrorTimeout when the brokers cannot be reached
   */
  protected async startTransport(): Promise<void> {
    try {
      // A pattern that matches no topic yet starts its consumer once one appears (see rejoin()).
      if (this.topics.size) await this.start();
    } catch (cause) {
      const err = toMotifsError(cause, `listening to ${this.channelId}`);
      await this.stopConsumer();
      throw err;
    }
    this.started = true;
    if (this.consumer) this.outage.start();
  }

  /** Waits between retries can outlast the session timeout: keep the membership alive meanwhile. */
  protected override async keepAlive(): Promise<void> {
    await this.batches.heartbeat?.().catch(() => undefined);
  }

  protected sendDeadLetter(letter: DeadLetter): Promise<void> {
    return this.deadLetters.send(letter);
  }

  /** Builds, connects and runs a consumer on {@link topics}; resolves once it joined the group and fetched. */
  protected async start(): Promise<void> {
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
    const { channelId, groupId, em } = this;
    const { GROUP_JOIN, REBALANCING, CRASH, CONNECT, DISCONNECT, STOP, FETCH, REQUEST } = consumer.events;
    // Every answer from a broker (kafkajs emits REQUEST per completed request) proves it is reachable.
    if (REQUEST) consumer.on(REQUEST, () => this.outage.answered());
    let joinedOnce = false;
    // listen() resolves after the first fetch that follows the join: by then kafkajs has fixed the
    // start offsets of a new group, so a message published after listen() is never skipped.
    consumer.on(FETCH, () => {
      this.outage.answered();
      if (joinedOnce) joined();
      // Between batches (an idle consumer fetches every maxWaitTimeInMs): commit what the last
      // batches finished once commitIntervalMs has passed, so a quiet topic's tail gets committed.
      if (this.batches.inFlight.size === 0) this.batches.commitIfDue?.().catch(() => undefined);
    });
    consumer.on(GROUP_JOIN, (e) => {
      if (this.closed) {
        // kafkajs can finish a crash-restart after disconnect() returned (its runner is not yet
        // "running" when stop() looks): a consumer that rejoins after close() is shut down here.
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.outage.joining = false;
      this.outage.answered();
      const assigned = e.payload.memberAssignment;
      const owned = new Set(Object.entries(assigned).flatMap(([topic, ps]) => ps.map((p) => partitionKey(topic, p))));
      // Offsets of partitions now owned by someone else must not be committed by us later.
      for (const key of this.batches.processed.keys()) if (!owned.has(key)) this.batches.processed.delete(key);
      if (this.crashed) emitSafe(em, 'reconnect', { channelId, groupId });
      this.crashed = false;
      for (const topic of this.topics.keys()) {
        const partitions = [...(assigned[topic] ?? [])].sort((a, b) => a - b);
        emitSafe(em, 'rebalance', { channelId: topic, groupId, memberId: e.payload.memberId, partitions });
      }
      joinedOnce = true;
    });
    consumer.on(REBALANCING, (e) => {
      this.outage.joining = true;
      // Before the partitions move: commit what finished (as kafkajs's autoCommit would), so the
      // next owner redelivers as little as possible. Best effort: at-least-once holds either way.
      this.batches.commitNow?.().catch(() => undefined);
      emitSafe(em, 'rebalancing', { channelId, groupId: e.payload.groupId });
    });
    consumer.on(CONNECT, () => {
      // kafkajs emits CONNECT right before it joins the group (first start and every restart).
      this.outage.joining = true;
      emitSafe(em, 'connect', { channelId });
    });
    consumer.on(DISCONNECT, () => emitSafe(em, 'disconnect', { channelId }));
    consumer.on(STOP, () => emitSafe(em, 'stop', { channelId }));
    consumer.on(CRASH, (e) => {
      // A consumer rejoin() replaced: its crash concerns nobody.
      if (consumer !== this.consumer) return;
      const { error, restart } = e.payload;
      const err = toMotifsError(error, `consumer of ${channelId} crashed`);
      this.crashed = true;
      this.outage.joining = false;
      emitSafe(em, 'crash', { channelId, error: err, restart });
      if (!restart) failed(err);
      // Before listen() succeeded, listen() itself reports the failure and cleans up.
      if (!restart && !this.closed && this.started) {
        // kafkajs gives up on errors it deems fatal; a listener must keep going, so report and rejoin.
        void this.reportError(err);
        this.scheduleRestart();
      }
    });
    const listenTimeoutMs = this.options.listenTimeoutMs ?? 60_000;
    const deadline = Date.now() + listenTimeoutMs;
    await consumer.connect();
    await this.subscribe(consumer, deadline);
    await this.runConsumer(consumer);
    const outcome = await Promise.race([ready.then(() => 'joined' as const), timeoutAfter(Math.max(0, deadline - Date.now()))]);
    if (outcome === 'timeout') {
      throw new MotifsErrorTimeout(`did not join consumer group ${groupId} on ${channelId} within ${listenTimeoutMs}ms`);
    }
  }

  private subscribe(consumer: Consumer, deadline: number): Promise<void> {
    const { channelId, em } = this;
    const onRetry = (error: MotifsError, waitMs: number) => emitSafe(em, 'subscribe.retry', { channelId, error, waitMs });
    return subscribeWithRetry(consumer, { topics: this.topics, deadline, what: channelId, isClosed: () => this.closed, onRetry });
  }

  private runConsumer(consumer: Consumer): Promise<void> {
    return consumer.run({
      // Commits follow commitIntervalMs (see PartitionBatches), not every batch; close() commits too.
      autoCommit: false,
      autoCommitInterval: this.options.commitIntervalMs ?? 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrency ?? 1,
      eachBatch: (payload) => this.batches.run(payload),
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
        void this.reportError(toMotifsError(cause, `restarting the consumer of ${this.channelId}`));
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref?.();
  }

  /**
   * Stops fetching, waits up to `closeTimeoutMs` for in-flight handlers, commits what they
   * finished, leaves the group and disconnects. A message whose handler has not settled by then is
   * abandoned: reported (`abandoned` on `em`, `MotifsErrorAbandoned` on onError), left
   * uncommitted (the group redelivers it), and its handler no longer holds kafkajs up. `close()`
   * resolves within `closeTimeoutMs` + `disconnectTimeoutMs` (default 5000); it leaves no timer
   * behind, nor any socket of a client it built.
   */
  protected async stopTransport(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.outage.stop();
    const consumer = this.consumer;
    let reports: Promise<void>[] = [];
    if (consumer) {
      try {
        consumer.pause([...this.topics.keys()].map((topic) => ({ topic })));
      } catch {
        // Not running (never joined or crashed): nothing to pause.
      }
      if (this.batches.inFlight.size && (await within(this.batches.drained(), this.closeTimeoutMs)) === 'timeout') {
        reports = this.batches.giveUp().map(({ topic, partition, offset }) => this.abandon(partition, offset, topic === this.channelId ? undefined : topic));
      }
    }
    await this.stopConsumer(consumer && (() => this.commitProcessed(consumer)));
    // Abandoned messages were reported when close() gave up; wait (briefly) for slow onError handlers.
    if (reports.length) await within(Promise.allSettled(reports), 1000);
  }

  protected async commitProcessed(consumer: Consumer): Promise<void> {
    const { processed } = this.batches;
    if (processed.size === 0) return;
    const offsets = [...processed.values()].map(({ topic, partition, offset }) => ({ topic, partition, offset: (BigInt(offset) + 1n).toString() }));
    try {
      await consumer.commitOffsets(offsets);
    } catch (cause) {
      // Not fatal: these messages are redelivered to the group (at-least-once), so say so.
      await this.reportError(
        new MotifsErrorUnavailable(`could not commit offsets of ${this.channelId} on close; finished messages may be redelivered`, { cause, details: { offsets } }),
      );
    }
  }

  /** Commits (`commitFirst`), leaves the group and disconnects, all within `disconnectTimeoutMs`. */
  private async stopConsumer(commitFirst?: () => Promise<void>): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    const disconnectDeadLetters = this.deadLetters.detach();
    // Committing and leaving the group need the broker; when it is unreachable kafkajs retries for a
    // long time, so all of it shares one bound.
    const ms = this.disconnectTimeoutMs;
    const work = (async () => {
      await commitFirst?.();
      await Promise.allSettled([consumer?.disconnect(), disconnectDeadLetters()]);
    })();
    if ((await within(work, ms)) === 'timeout') {
      // Not awaited: a slow onError handler must not unbound close().
      void this.reportError(
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
